"""Request and response bodies. Requests forbid unknown fields and reuse the shared rules
of app.core.validation; the JSON schemas describe those rules for the OpenAPI document."""

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.core.domain import Page, Role, TokenPair, User
from app.core.validation import (
    EMAIL_MAX,
    EMAIL_PATTERN,
    NAME_MAX,
    NAME_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    check_password,
    normalize_email,
    normalize_name,
)

# What a client builds from these is accepted.
EMAIL_SCHEMA = {
    "type": "string",
    "format": "email",
    "maxLength": EMAIL_MAX,
    "pattern": EMAIL_PATTERN,
}
NAME_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": NAME_MAX,
    "pattern": NAME_PATTERN,
}
PASSWORD_SCHEMA = {"type": "string", "minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX}
ROLE_SCHEMA = {"type": "string", "enum": [role.value for role in Role]}

Email = Annotated[str, AfterValidator(normalize_email), WithJsonSchema(EMAIL_SCHEMA)]
Name = Annotated[str, AfterValidator(normalize_name), WithJsonSchema(NAME_SCHEMA)]
Password = Annotated[str, AfterValidator(check_password), WithJsonSchema(PASSWORD_SCHEMA)]
OptionalEmail = Annotated[Email | None, WithJsonSchema(EMAIL_SCHEMA)]
OptionalName = Annotated[Name | None, WithJsonSchema(NAME_SCHEMA)]
OptionalPassword = Annotated[Password | None, WithJsonSchema(PASSWORD_SCHEMA)]
# Admins only: anyone else who sends it gets a 403.
OptionalRole = Annotated[Role | None, WithJsonSchema(ROLE_SCHEMA)]


class RequestBody(BaseModel):
    """Unknown fields are a 400; so is a null, which no field accepts (absent means unset)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, validated and normalized."""
        return self.model_dump(exclude_unset=True)


class UserCreate(RequestBody):
    email: Email
    name: Name
    password: Password
    role: OptionalRole = None


class UserReplace(UserCreate):
    """PUT: every writable field (role stays optional and admin-only)."""


class UserPatch(RequestBody):
    """PATCH: any non-empty subset of the writable fields."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    email: OptionalEmail = None
    name: OptionalName = None
    password: OptionalPassword = None
    role: OptionalRole = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("must hold at least one field")
        return self


class LoginRequest(RequestBody):
    email: str
    password: str


class RefreshTokenRequest(RequestBody):
    refresh_token: str


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> Self:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserEnvelope(BaseModel):
    data: UserOut

    @classmethod
    def of(cls, user: User) -> Self:
        return cls(data=UserOut.of(user))


class Pagination(BaseModel):
    page: int
    limit: int
    total: int


class UserPage(BaseModel):
    data: list[UserOut]
    pagination: Pagination

    @classmethod
    def of(cls, page: Page[User]) -> Self:
        return cls(
            data=[UserOut.of(user) for user in page.items],
            pagination=Pagination(page=page.page, limit=page.limit, total=page.total),
        )


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> Self:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="bearer",
            expires_in=pair.expires_in,
        )


class Health(BaseModel):
    status: Literal["ok"]


CheckStatus = Literal["ok", "error"]


class Readiness(BaseModel):
    status: Literal["ok", "error"]
    checks: dict[str, CheckStatus]


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    code: str
    message: str
    details: list[FieldErrorOut] | None = None
    request_id: str


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx body; `details` only for validation_error."""

    error: ErrorOut


class ReadinessFailure(Readiness):
    error: ErrorOut
