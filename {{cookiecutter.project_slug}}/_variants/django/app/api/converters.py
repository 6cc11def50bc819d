"""Path converters: an id that is not a positive 64-bit integer matches no route (404)."""

from app.core.domain import ID_MAX


class PositiveIdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= ID_MAX:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
