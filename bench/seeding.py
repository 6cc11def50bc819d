"""Seeding: the users the benchmark reads, and tokens to read them with."""

import base64
import json
import sqlite3

import httpx
import psycopg

from harness.servers import ADMIN_EMAIL, ADMIN_PASSWORD

USERS = 10_000


def seed(database_url: str, framework: str) -> None:
    """USERS plain users sharing the admin's password hash and timestamps, in one statement."""
    password = "password" if framework == "django" else "password_hash"
    statement = (
        "WITH RECURSIVE series(n) AS "
        f"(SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < {USERS}) "
        f"INSERT INTO users (email, name, role, {password}, created_at, updated_at) "
        f"SELECT 'user' || n || '@example.com', 'User ' || n, 'user', admin.{password}, "
        "admin.created_at, admin.updated_at FROM series, users AS admin "
        f"WHERE admin.email = '{ADMIN_EMAIL}'"
    )
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute(statement)
        return

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(statement)
        connection.execute("ANALYZE users")


def token_for(url: str, email: str) -> tuple[str, int]:
    """An access token from the service's own login, and the id of its user."""
    reply = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}, timeout=30
    )
    reply.raise_for_status()
    token = reply.json()["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return token, int(claims["sub"])
