"""What a client of the contract checks on every answer, and a client that checks it."""

import base64
import hashlib
import hmac
import json
import re
import runpy
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from harness.matrix import TEMPLATE
from harness.servers import ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD

API = "/api/v1"
USERS = f"{API}/users"
ME = f"{USERS}/me"
LOGIN = f"{API}/auth/login"
REFRESH = f"{API}/auth/refresh"
LOGOUT = f"{API}/auth/logout"

PASSWORD = "correct horse battery"
USER_KEYS = {"id", "email", "name", "role", "created_at", "updated_at"}
TOKEN_PAIR_KEYS = {"access_token", "refresh_token", "token_type", "expires_in"}
ACCESS_TTL_SECONDS = 900
# app/core/errors.py's message for a taken e-mail, the same in every framework.
EMAIL_TAKEN = "E-mail address is already registered"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# decisions.md: timestamps are written 2026-01-31T12:00:00.123456Z
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z")
SECRET_KEYS = {"password", "password_hash", "hashed_password", "token_hash", "refresh_token_hash"}


def http_constants() -> dict[str, Any]:
    """The template's app/core/http.py constants, which every variant applies (the module
    is plain Python with no imports)."""
    source = next(TEMPLATE.glob("{{*}}")) / "app" / "core" / "http.py"
    return {name: value for name, value in runpy.run_path(str(source)).items() if name.isupper()}


HTTP = http_constants()
# The docs page's browser test records its screenshot under this name, with what the page
# listed, for the run's summary (tests/conftest.py).
DOCS_SCREENSHOT_PROPERTY = "docs_page_screenshot"


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


def marker() -> str:
    """A string no other test's data contains, to search and list by."""
    return f"mk{uuid.uuid4().hex[:10]}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def describe(response: httpx.Response) -> str:
    request = response.request
    return (
        f"{request.method} {request.url.raw_path.decode()} -> {response.status_code}\n"
        f"headers: {dict(response.headers)}\nbody: {response.text[:2000]}"
    )


def assert_status(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, describe(response)


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    fields: set[str] | None = None,
    extra_keys: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The contract's envelope, and what each status carries with it."""
    assert_status(response, status)
    assert response.headers.get("content-type", "").startswith("application/json"), describe(
        response
    )
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"} | extra_keys, describe(response)
    error: dict[str, Any] = body["error"]
    expected_keys = {"code", "message", "request_id"}
    if code == "validation_error":
        expected_keys.add("details")
    assert set(error) == expected_keys, describe(response)
    assert error["code"] == code, describe(response)
    assert isinstance(error["message"], str) and error["message"], describe(response)
    assert error["request_id"] == response.headers.get("x-request-id"), describe(response)
    assert "Traceback" not in response.text, describe(response)
    if code == "validation_error":
        details = error["details"]
        assert isinstance(details, list) and details, describe(response)
        for detail in details:
            assert set(detail) == {"field", "message"}, describe(response)
            assert isinstance(detail["field"], str), describe(response)
            assert isinstance(detail["message"], str) and detail["message"], describe(response)
        if fields is not None:
            assert {d["field"] for d in details} == fields, describe(response)
    if status == 401:
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer"), describe(
            response
        )
    if status == 405:
        assert "allow" in response.headers, describe(response)
    if status == 429:
        assert int(response.headers["retry-after"]) >= 1, describe(response)
    return error


def assert_timestamp(value: object) -> datetime:
    assert isinstance(value, str) and TIMESTAMP.fullmatch(value), value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0), value
    now = datetime.now(UTC)
    assert now - timedelta(hours=1) < moment < now + timedelta(minutes=5), (
        f"{value} is not the UTC time of a moment ago (now {now.isoformat()})"
    )
    return moment


def assert_user(user: object, **expected: object) -> dict[str, Any]:
    assert isinstance(user, dict) and set(user) == USER_KEYS, user
    assert isinstance(user["id"], int) and not isinstance(user["id"], bool), user
    assert user["id"] > 0, user
    assert user["role"] in {"user", "admin"}, user
    created = assert_timestamp(user["created_at"])
    updated = assert_timestamp(user["updated_at"])
    assert updated >= created, user
    for key, value in expected.items():
        assert user[key] == value, f"{key}: {user[key]!r} != {value!r} in {user}"
    return user


def assert_token_pair(response: httpx.Response) -> dict[str, Any]:
    assert_status(response, 200)
    pair: dict[str, Any] = response.json()
    assert set(pair) == TOKEN_PAIR_KEYS, pair
    assert pair["token_type"] == "bearer", pair
    assert pair["expires_in"] == ACCESS_TTL_SECONDS, pair
    assert isinstance(pair["access_token"], str) and pair["access_token"].count(".") == 2, pair
    # 256 random bits are at least 43 characters in any text encoding.
    assert isinstance(pair["refresh_token"], str) and len(pair["refresh_token"]) >= 43, pair
    return pair


def secrets_in(value: object) -> list[str]:
    """Keys anywhere in a JSON document that would hold a password or a hash."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in SECRET_KEYS:
                found.append(key)
            found.extend(secrets_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(secrets_in(item))
    return found


# JWTs built by hand, so the suite needs nothing the template does not already have.
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def encode_jwt(claims: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    header = {"alg": algorithm, "typ": "JWT"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    if algorithm == "none":
        return f"{signing_input}."
    digest = hmac.new(secret.encode(), signing_input.encode(), HMAC_DIGESTS[algorithm]).digest()
    return f"{signing_input}.{b64url(digest)}"


def jwt_header(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return header


def jwt_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return claims


def access_claims(user_id: int, role: str, issuer: str, /, **changes: Any) -> dict[str, Any]:
    """Valid access-token claims; a change to None leaves that claim out."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "type": "access",
        "iat": now,
        "exp": now + ACCESS_TTL_SECONDS,
        "jti": uuid.uuid4().hex,
        "iss": issuer,
    }
    for key, value in changes.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def check_every_response(response: httpx.Response) -> None:
    """What the contract says of every response, checked on every one the suite receives."""
    response.read()
    request_id = response.headers.get("x-request-id")
    assert request_id and REQUEST_ID.fullmatch(request_id), (
        "every response carries a well-formed X-Request-ID\n" + describe(response)
    )
    sent = response.request.headers.get("x-request-id")
    if sent is not None and REQUEST_ID.fullmatch(sent):
        assert request_id == sent, "a valid X-Request-ID is echoed\n" + describe(response)
    if response.status_code >= 400 and response.request.method != "OPTIONS":
        try:
            body = response.json()
        except ValueError:
            raise AssertionError("an error body is JSON\n" + describe(response)) from None
        assert isinstance(body, dict) and isinstance(body.get("error"), dict), (
            "an error body is the envelope\n" + describe(response)
        )
        assert body["error"].get("request_id") == request_id, (
            "the envelope's request_id is the X-Request-ID header\n" + describe(response)
        )
    if response.status_code < 500:
        assert "Traceback" not in response.text, describe(response)


def new_client(base_url: str) -> httpx.Client:
    """A fresh connection per request, so that with several workers requests meet several."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(max_keepalive_connections=0),
        event_hooks={"response": [check_every_response]},
    )


@dataclass
class Account:
    id: int
    email: str
    name: str
    password: str
    role: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.access_token)


class Api:
    """The few calls most tests build on."""

    def __init__(self, client: httpx.Client, issuer: str) -> None:
        self.client = client
        self.issuer = issuer

    def sign_up(
        self,
        email: str | None = None,
        name: str = "Contract User",
        password: str = PASSWORD,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = {"email": email or unique_email(), "name": name, "password": password, **extra}
        return self.client.post(USERS, json=body, headers=headers)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return self.client.post(LOGIN, json={"email": email, "password": password})

    def tokens(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        return assert_token_pair(self.login(email, password))

    def account(
        self,
        name: str = "Contract User",
        email: str | None = None,
        role: str | None = None,
        password: str = PASSWORD,
    ) -> Account:
        """A signed-up, logged-in user; with `role`, created by the admin."""
        extra: dict[str, Any] = {}
        headers = None
        if role is not None:
            extra["role"] = role
            headers = self.admin().auth
        response = self.sign_up(email, name, password, headers, **extra)
        assert_status(response, 201)
        user = response.json()["data"]
        pair = self.tokens(user["email"], password)
        return Account(
            id=user["id"],
            email=user["email"],
            name=user["name"],
            password=password,
            role=user["role"],
            access_token=pair["access_token"],
            refresh_token=pair["refresh_token"],
        )

    def admin(self) -> Account:
        pair = self.tokens(ADMIN_EMAIL, ADMIN_PASSWORD)
        me = self.client.get(ME, headers=bearer(pair["access_token"]))
        assert_status(me, 200)
        return Account(
            id=me.json()["data"]["id"],
            email=ADMIN_EMAIL,
            name=ADMIN_NAME,
            password=ADMIN_PASSWORD,
            role="admin",
            access_token=pair["access_token"],
            refresh_token=pair["refresh_token"],
        )

    def user_path(self, user_id: int | str) -> str:
        return f"{USERS}/{user_id}"
