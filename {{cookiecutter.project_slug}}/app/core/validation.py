"""Rules for the writable fields, shared by every framework's request schemas.

Each function returns the normalized value or raises ValueError with a message
fit for the contract's `details`.
"""

import unicodedata

from email_validator import EmailNotValidError, validate_email

NAME_MAX = 100
PASSWORD_MIN = 12
PASSWORD_MAX = 128
EMAIL_MAX = 254
# normalize_name's rule exactly, for the OpenAPI documents: no control character, and
# something besides white space.
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x20\x7f-\xa0][^\x00-\x1f\x7f-\x9f]*$"
WRITABLE_FIELDS = ("email", "name", "password", "role")
# PostgreSQL text cannot hold NUL (psycopg refuses to send one), so no stored value holds
# one: a login e-mail or a search that does matches no one.
NUL = "\x00"
# E-mail syntax has no exact pattern. The OpenAPI documents give this plain subset of what
# normalize_email accepts, so that any address a client builds from them is accepted.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9]+([._+-][A-Za-z0-9]+)*@[A-Za-z0-9]+(-[A-Za-z0-9]+)*"
    r"(\.[A-Za-z0-9]+(-[A-Za-z0-9]+)*)*\.(com|org|net|io|dev|app)$"
)


def normalize_email(value: str) -> str:
    if len(value) > EMAIL_MAX:
        raise ValueError("not a valid email")
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("not a valid email") from None
    return info.normalized.lower()


def normalize_name(value: str) -> str:
    # Control characters have no place in a name, and PostgreSQL text cannot hold a NUL.
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("must not contain control characters")
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise ValueError(f"must be 1-{NAME_MAX} characters")
    return name


def check_password(value: str) -> str:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValueError(f"must be {PASSWORD_MIN}-{PASSWORD_MAX} characters")
    return value
