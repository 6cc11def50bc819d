"""Django settings, all derived from the shared `app.core.settings` (the environment).

There is no DJANGO_* variable to learn: DATABASE_URL, REDIS_URL, JWT_SECRET and the rest
mean here what they mean in every variant. SECRET_KEY is derived from JWT_SECRET, so a
production deployment has one secret to manage.
"""

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

import dj_database_url

from app.api.openapi import SCHEME_NAME, SECURITY_SCHEME
from app.core import http
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.settings import get_settings

SETTINGS = get_settings()
PRODUCTION = SETTINGS.is_production

SECRET_KEY = hmac.new(
    SETTINGS.secret_key().encode(), b"django.secret_key", hashlib.sha256
).hexdigest()
# Django's debug pages are HTML; the contract answers every error in JSON.
DEBUG = False
# Host checking belongs to the proxy or load balancer in front; the service answers any name.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "app.users",
    "app.authn",
]

MIDDLEWARE = [
    "app.api.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "app.api.middleware.SecurityHeadersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "app.api.middleware.RateLimitMiddleware",
    # After the rate limits, which count the docs page's files as every other path.
    "app.api.middleware.StaticFilesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "app.api.middleware.JsonBodyMiddleware",
    "app.api.middleware.ErrorMiddleware",
]

ROOT_URLCONF = "app.config.urls"
WSGI_APPLICATION = "app.config.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The docs page's template (app/api/docs.py).
        "DIRS": [Path(__file__).resolve().parent.parent / "api" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]


def _database(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        config = dict(dj_database_url.parse(url))
        # A transaction takes SQLite's one write lock as it begins, waiting for it, instead
        # of failing with "database is locked" when it reads first and writes later.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
        return config
    config = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    config["OPTIONS"] = {"connect_timeout": 5}
    return config


DATABASES = {"default": _database(SETTINGS.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
PASSWORD_HASHERS = [
    "app.adapters.hashing.ProfiledArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

DATA_UPLOAD_MAX_MEMORY_SIZE = http.MAX_BODY_BYTES

# The docs page's files (Swagger UI from drf-spectacular-sidecar), under its own path and
# served by WhiteNoise straight from the installed packages: no collectstatic step.
STATIC_URL = f"{http.API_PREFIX}/docs/static/"
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["app.api.parsers.JsonObjectParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["app.api.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "app.api.negotiation.JsonOnlyNegotiation",
    "DEFAULT_SCHEMA_CLASS": "app.api.schema.ContractAutoSchema",
    "EXCEPTION_HANDLER": "app.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": PROJECT.name,
    "DESCRIPTION": PROJECT.description,
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": http.API_PREFIX,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Role": "app.core.domain.Role",
        "HealthStatus": ["ok"],
        "CheckState": ["ok", "error"],
    },
    "APPEND_COMPONENTS": {"securitySchemes": {SCHEME_NAME: SECURITY_SCHEME}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "app.api.schema.strict_request_bodies",
    ],
}

CORS_ALLOW_ALL_ORIGINS = "*" in SETTINGS.cors_origins
CORS_ALLOWED_ORIGINS = [origin for origin in SETTINGS.cors_origins if origin != "*"]
CORS_ALLOW_METHODS = list(http.CORS_ALLOW_METHODS)
CORS_ALLOW_HEADERS = list(http.CORS_ALLOW_HEADERS)
CORS_EXPOSE_HEADERS = list(http.CORS_EXPOSE_HEADERS)

# Production headers: the values of app.core.http.SECURITY_HEADERS, which
# SecurityHeadersMiddleware also sets on plain-HTTP requests behind a TLS proxy.
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = PRODUCTION
SECURE_REFERRER_POLICY = "no-referrer" if PRODUCTION else None
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin" if PRODUCTION else None
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # Bearer tokens in a header, no cookies: there is no session for CSRF to ride on.
    "security.W003",
    # The contract forbids redirecting HTTP to HTTPS: `serve` or the proxy terminates TLS.
    "security.W008",
    # Submitting a domain to the HSTS preload list is the operator's decision.
    "security.W021",
]

LOGGING_CONFIG = None
configure_logging(SETTINGS.log_level)
# Every request is logged once as the `request` event; Django need only report failures.
logging.getLogger("django.request").setLevel(logging.ERROR)
