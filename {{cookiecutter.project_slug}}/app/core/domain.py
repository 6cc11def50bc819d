"""The domain's plain data: what services exchange with repositories and the API."""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Ids are BIGINT: one outside 1..ID_MAX names no row, so no route matches it (a 404).
ID_MAX = 2**63 - 1


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one stored here is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def isoformat_z(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class User:
    """A user as anyone outside the data layer sees it: never with a password hash."""

    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "created_at": isoformat_z(self.created_at),
            "updated_at": isoformat_z(self.updated_at),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "User":
        return cls(
            id=int(raw["id"]),
            email=raw["email"],
            name=raw["name"],
            role=Role(raw["role"]),
            created_at=datetime.fromisoformat(raw["created_at"]),
            updated_at=datetime.fromisoformat(raw["updated_at"]),
        )


@dataclass(frozen=True, slots=True)
class Credentials:
    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, as established from a valid access token."""

    user_id: int
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def may_act_on(self, user_id: int) -> bool:
        return self.is_admin or self.user_id == user_id


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A stored refresh token: only its hash is kept."""

    token_hash: str
    user_id: int
    family_id: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    limit: int
    total: int
