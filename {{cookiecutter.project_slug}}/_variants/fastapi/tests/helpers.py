"""What the tests share besides fixtures: clients, users, tokens and error assertions."""

from typing import Any

import httpx
from fastapi import FastAPI

from app.core.domain import Principal, Role, User
from app.repositories.users import SqlUserRepository
from app.services.users import UserService
from app.wiring import Resources

# Long enough for HS512 too, which the tests forge tokens with.
SECRET = "a-test-secret-long-enough-for-hs256-and-hs512-alike-0123456789-abcdef"
PASSWORD = "correct horse battery staple"
OPERATOR = Principal(user_id=0, role=Role.ADMIN)


def client_for(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def resources_of(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


async def add_user(
    app: FastAPI, email: str, role: Role = Role.USER, name: str = "Test User"
) -> User:
    """A user straight through the service, as `create-admin` makes one."""
    resources = resources_of(app)
    async with resources.sessionmaker() as session:
        service = UserService(SqlUserRepository(session), resources.cache, resources.hasher, 60)
        return await service.register(
            email=email, name=name, password=PASSWORD, role=role, actor=OPERATOR
        )


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def signed_in(
    app: FastAPI, client: httpx.AsyncClient, email: str, role: Role = Role.USER
) -> tuple[User, dict[str, str]]:
    """A user and the headers that make a request theirs."""
    user = await add_user(app, email, role)
    return user, bearer(await login(client, email))


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert ("details" in error) == (code == "validation_error")
    return error


def fields_of(response: httpx.Response) -> set[str]:
    return {
        detail["field"] for detail in assert_error(response, 400, "validation_error")["details"]
    }
