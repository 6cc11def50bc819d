"""Settings from the environment (and .env in development), validated at start-up."""

import ipaddress
import logging
import os
import secrets
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.project import PROJECT

MIN_PRODUCTION_SECRET_BYTES = 32
DEFAULT_DATABASE_URL = "sqlite:///./app.db"

logger = logging.getLogger(__name__)


class ConfigurationError(Exception):
    """A bad setting; its message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = PROJECT.slug
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=604800, gt=0)
    cache_ttl_seconds: int = Field(default=3600, gt=0)
    rate_limit_per_ip: int = Field(default=1000, gt=0)
    rate_limit_per_user: int = Field(default=100, gt=0)
    rate_limit_login: int = Field(default=10, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = []
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; none by default.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"
    # Argon2id's cost, by argon2-cffi's profile names; `cheapest` is for tests only.
    password_hash_profile: Literal["rfc_9106_low_memory", "rfc_9106_high_memory", "cheapest"] = (
        "rfc_9106_low_memory"
    )
    # What `serve` allows a client before it answers or hangs up (app/server.py): time to
    # send a request's head (from the connection's start or the previous answer), time to
    # send its body, idle time between requests, and the size of a request's head.
    header_read_timeout_seconds: int = Field(default=10, gt=0)
    body_read_timeout_seconds: int = Field(default=30, gt=0)
    keep_alive_timeout_seconds: int = Field(default=5, gt=0)
    max_request_line_bytes: int = Field(default=8192, ge=256)
    max_header_bytes: int = Field(default=16384, ge=1024)
    max_header_count: int = Field(default=100, ge=10)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "sqlite" and parts.path not in ("", "/"):
            return value
        if parts.scheme in ("postgresql", "postgres") and parts.hostname:
            return value
        raise ValueError("must be sqlite:///path or postgresql://user:password@host:port/db")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
            raise ValueError("must be redis://host:port/db")
        return value

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [entry.strip() for entry in value.split(",") if entry.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        if "*" in value:
            if len(value) > 1:
                raise ValueError("* trusts every address and must stand alone")
            return value
        for entry in value:
            try:
                # strict: 10.0.0.1/8 is a typo for 10.0.0.0/8, not a network to guess at.
                ipaddress.ip_network(entry)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("password_hash_profile", mode="before")
    @classmethod
    def _lower_profile(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _production_rules(self) -> "Settings":
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if len(secret.encode()) < MIN_PRODUCTION_SECRET_BYTES:
                raise ValueError(
                    f"JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes "
                    "when ENVIRONMENT=production"
                )
            if "*" in self.cors_origins:
                raise ValueError("CORS_ORIGINS must not contain * when ENVIRONMENT=production")
            if self.password_hash_profile == "cheapest":
                raise ValueError(
                    "PASSWORD_HASH_PROFILE must not be cheapest when ENVIRONMENT=production"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_key(self) -> str:
        """The JWT secret. `serve` sets one for all its workers when none is configured."""
        if self.jwt_secret is None:
            raise ConfigurationError("JWT_SECRET: not set")
        return self.jwt_secret.get_secret_value()


def ensure_jwt_secret() -> None:
    """Outside production, an unset JWT_SECRET becomes one random secret for this
    process and every worker it starts (they inherit the environment). A JWT_SECRET or
    ENVIRONMENT in .env counts as set, as it does for Settings."""
    configured = {**dotenv_values(".env"), **os.environ}
    if not configured.get("JWT_SECRET") and configured.get("ENVIRONMENT") != "production":
        os.environ["JWT_SECRET"] = secrets.token_urlsafe(48)
        logger.warning(
            "JWT_SECRET is not set: using a random secret; tokens will not survive a restart"
        )


def load_settings() -> Settings:
    """Read and validate the settings; a bad value becomes one line naming its variable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = "_".join(str(part) for part in error["loc"]).upper() or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{variable}: {message}") from None
    if settings.jwt_secret is None:
        ensure_jwt_secret()
        settings = settings.model_copy(update={"jwt_secret": SecretStr(os.environ["JWT_SECRET"])})
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
