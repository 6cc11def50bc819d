"""Request and response shapes. Requests are strict: JSON strings only, no unknown fields,
and the shared rules of app.core.validation; responses document the envelopes."""

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.fields import empty

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

ROLES = [role.value for role in Role]
DIGITS = re.compile(r"[0-9]+")


class StringField(serializers.CharField):
    """A JSON string, taken as it is: no numbers coerced to text, no trimming. Blank is
    allowed here; the writable fields below refuse it.

    DRF's own refusal of NUL characters is dropped, so that every framework answers alike:
    the shared rules of app.core.validation refuse a NUL in a name or an e-mail, and the
    repositories let a NUL in a login e-mail or a search match no one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "must be a string"})
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return data


@extend_schema_field(
    {"type": "string", "format": "email", "maxLength": EMAIL_MAX, "pattern": EMAIL_PATTERN}
)
class EmailField(StringField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=False, **kwargs)


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN}
)
class NameField(StringField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=False, **kwargs)


class RoleField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ROLES, **kwargs)

    def to_internal_value(self, data: Any) -> Role:
        return Role(super().to_internal_value(data))


class QueryIntegerField(serializers.IntegerField):
    """A whole number written in decimal digits, nothing else: `?page=` is an error too."""

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        return dictionary.get(str(self.field_name), empty)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not DIGITS.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _rule(rule: Callable[[str], str]) -> Callable[[Any, str], str]:
    def validate(_serializer: Any, value: str) -> str:
        try:
            return rule(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    return validate


class StrictSerializer(serializers.Serializer[dict[str, Any]]):
    """Unknown fields are errors named after themselves."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        value: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail if isinstance(exc.detail, Mapping) else {"body": exc.detail})
        if isinstance(data, Mapping):
            for field in data:
                if field not in self.fields:
                    errors[str(field)] = ["unknown field"]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class PasswordField(StringField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_blank=False, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, **kwargs
        )


class UserCreateSerializer(StrictSerializer):
    email = EmailField()
    name = NameField()
    password = PasswordField()
    role = RoleField(required=False, help_text="Admins only; anyone else sending it gets 403.")

    validate_email = _rule(normalize_email)
    validate_name = _rule(normalize_name)
    validate_password = _rule(check_password)


class UserReplaceSerializer(UserCreateSerializer):
    """PUT: every writable field (role stays optional and admin-only)."""


class UserPatchSerializer(UserCreateSerializer):
    """PATCH: any non-empty subset of the writable fields."""

    email = EmailField(required=False)
    name = NameField(required=False)
    password = PasswordField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError({"body": "must hold at least one field"})
        return attrs


class LoginSerializer(StrictSerializer):
    email = StringField()
    password = StringField()


class RefreshTokenSerializer(StrictSerializer):
    refresh_token = StringField()


class ListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    page = QueryIntegerField(min_value=PAGE_MIN, default=1)
    limit = QueryIntegerField(min_value=LIMIT_MIN, max_value=LIMIT_MAX, default=DEFAULT_LIMIT)
    search = StringField(required=False, max_length=SEARCH_MAX)


class UserSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ROLES)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


UserEnvelopeSerializer = inline_serializer("UserEnvelope", fields={"data": UserSerializer()})


class PaginationSerializer(serializers.Serializer[dict[str, Any]]):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()


UserListSerializer = inline_serializer(
    "UserList", fields={"data": UserSerializer(many=True), "pagination": PaginationSerializer()}
)


class TokenPairSerializer(serializers.Serializer[dict[str, Any]]):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class FieldErrorSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    message = serializers.CharField()
    details = FieldErrorSerializer(many=True, required=False, help_text="validation_error only.")
    request_id = serializers.CharField()


class ErrorEnvelopeSerializer(serializers.Serializer[dict[str, Any]]):
    error = ErrorSerializer()


class HealthSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=["ok"])


class ChecksSerializer(serializers.Serializer[dict[str, Any]]):
    database = serializers.ChoiceField(choices=["ok", "error"])
    cache = serializers.ChoiceField(choices=["ok", "error"])


class ReadinessSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=["ok", "error"])
    checks = ChecksSerializer()
    error = ErrorSerializer(required=False, help_text="Present when a check fails (503).")
