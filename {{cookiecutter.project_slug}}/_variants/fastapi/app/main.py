"""The application factory: `uvicorn --factory app.main:create_app`, as `serve` runs it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api import auth, docs, health, users
from app.api.errors import install_error_handlers
from app.api.middleware import BodyGuardMiddleware, RequestContextMiddleware, StrictCORSMiddleware
from app.api.openapi import contract_openapi
from app.api.rate_limits import RateLimitMiddleware
from app.core.http import (
    API_PREFIX,
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    CORS_EXPOSE_HEADERS,
)
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.settings import Settings, get_settings
from app.wiring import Resources


def _version() -> str:
    try:
        return version(PROJECT.slug)
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    resources = Resources.create(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await resources.close()

    app = FastAPI(
        title=PROJECT.name,
        description=PROJECT.description,
        version=_version(),
        openapi_url=f"{API_PREFIX}/openapi.json",
        # app.api.docs serves the docs page, and Swagger UI's files with it.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.state.resources = resources
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(users.router, prefix=API_PREFIX)
    app.include_router(auth.router, prefix=API_PREFIX)
    app.include_router(docs.router)
    # Added innermost first: the request context wraps the rest, CORS headers reach
    # even a 429, and every request is counted before its body is looked at.
    app.add_middleware(BodyGuardMiddleware, router=app.router)
    app.add_middleware(
        RateLimitMiddleware, limiter=resources.limiter, settings=settings, codec=resources.codec
    )
    app.add_middleware(
        StrictCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=CORS_ALLOW_METHODS,
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
    )
    app.add_middleware(RequestContextMiddleware, security_headers=settings.is_production)
    if settings.forwarded_allow_ips:
        # Outermost, so that the log, CORS and rate limits all see the forwarded client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.openapi = partial(contract_openapi, app)  # type: ignore[method-assign]
    return app
