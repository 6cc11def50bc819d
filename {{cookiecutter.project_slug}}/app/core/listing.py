"""The listing query of GET /api/v1/users: bounds, defaults and the LIKE pattern."""

from dataclasses import dataclass

PAGE_MIN = 1
LIMIT_MIN = 1
LIMIT_MAX = 100
DEFAULT_LIMIT = 20
SEARCH_MAX = 100
LIKE_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class ListQuery:
    page: int = 1
    limit: int = DEFAULT_LIMIT
    search: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def like_pattern(search: str) -> str:
    """A case-folded substring pattern in which % and _ match only themselves."""
    escaped = (
        search.lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
