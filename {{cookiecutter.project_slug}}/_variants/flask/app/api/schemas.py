"""Request and response schemas (marshmallow). They validate requests and, through
flask-smorest, write the OpenAPI document. Field rules come from app.core.validation."""

from collections.abc import Callable
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from app.core.domain import Role
from app.core.listing import DEFAULT_LIMIT, LIMIT_MAX, LIMIT_MIN, PAGE_MIN, SEARCH_MAX
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

# A page beyond this is refused rather than sent to the database as an absurd OFFSET.
PAGE_MAX = 2**31 - 1


class CheckedString(fields.String):
    """A JSON string, then normalized by one of the shared rules of app.core.validation."""

    def __init__(self, rule: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rule = rule

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self._rule(text)
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None


def email_field(*, required: bool) -> CheckedString:
    return CheckedString(
        normalize_email,
        required=required,
        metadata={
            "format": "email",
            "maxLength": EMAIL_MAX,
            "pattern": EMAIL_PATTERN,
            "example": "ann@example.com",
        },
    )


def name_field(*, required: bool) -> CheckedString:
    return CheckedString(
        normalize_name,
        required=required,
        metadata={"minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN, "example": "Ann"},
    )


def password_field(*, required: bool) -> CheckedString:
    return CheckedString(
        check_password,
        required=required,
        load_only=True,
        metadata={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX, "format": "password"},
    )


def role_field() -> fields.Enum[Role]:
    return fields.Enum(
        Role, by_value=True, metadata={"type": "string", "description": "Admins only"}
    )


class Body(ma.Schema):
    """A JSON object body: a field the schema does not name is refused (400)."""

    class Meta:
        unknown = ma.RAISE


class SignUpSchema(Body):
    email = email_field(required=True)
    name = name_field(required=True)
    password = password_field(required=True)
    role = role_field()


class UserReplaceSchema(SignUpSchema):
    """PUT: every writable field; role stays optional and admin-only."""


class UserPatchSchema(Body):
    class Meta(Body.Meta):
        openapi_extra: ClassVar[dict[str, int]] = {"minProperties": 1}

    email = email_field(required=False)
    name = name_field(required=False)
    password = password_field(required=False)
    role = role_field()

    @ma.validates_schema
    def _not_empty(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("must hold at least one field")


class LoginSchema(Body):
    email = fields.String(required=True, metadata={"example": "ann@example.com"})
    password = fields.String(required=True, load_only=True, metadata={"format": "password"})


class RefreshTokenSchema(Body):
    refresh_token = fields.String(required=True)


class ListQuerySchema(ma.Schema):
    """Anything else in the query string is ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=PAGE_MIN, max=PAGE_MAX))
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=LIMIT_MIN, max=LIMIT_MAX)
    )
    search = fields.String(load_default="", validate=validate.Length(max=SEARCH_MAX))


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True, metadata={"format": "email"})
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": [role.value for role in Role]})
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})


class UserEnvelopeSchema(ma.Schema):
    data = fields.Nested(UserSchema, required=True)


class PaginationSchema(ma.Schema):
    page = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    total = fields.Integer(required=True)


class UserListSchema(ma.Schema):
    data = fields.List(fields.Nested(UserSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class TokenPairSchema(ma.Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class FieldErrorSchema(ma.Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.List(
        fields.Nested(FieldErrorSchema), metadata={"description": "validation_error only"}
    )
    request_id = fields.String(required=True)


class ErrorEnvelopeSchema(ma.Schema):
    error = fields.Nested(ErrorSchema, required=True)


class HealthSchema(ma.Schema):
    status = fields.String(required=True, metadata={"enum": ["ok"]})


class ChecksSchema(ma.Schema):
    database = fields.String(required=True, metadata={"enum": ["ok", "error"]})
    cache = fields.String(required=True, metadata={"enum": ["ok", "error"]})


class ReadinessSchema(ma.Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "error"]})
    checks = fields.Nested(ChecksSchema, required=True)
    error = fields.Nested(ErrorSchema, metadata={"description": "only with status error"})
