"""The web layer: the application factory wires settings, extensions, services and
blueprints together."""

from typing import Any

from flask import Flask

from app.api import auth, health, users
from app.api.docs import DOCS_PATH, STATIC_PATH, SWAGGER_UI_URL, init_docs
from app.api.errors import register_error_handlers
from app.api.extensions import Api, cors
from app.api.hooks import register_request_hooks
from app.api.openapi import ID_PARAMETER_SCHEMA, UserIdConverter
from app.api.proxy_headers import ProxyHeadersMiddleware
from app.api.security import SECURITY_SCHEMES
from app.core.http import (
    API_PREFIX,
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    CORS_EXPOSE_HEADERS,
    MAX_BODY_BYTES,
)
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.settings import Settings, get_settings
from app.repositories.database import create_database_engine
from app.wiring import components, db, init_components


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    app = Flask(__name__, static_url_path=STATIC_PATH)
    app.config.update(
        # One byte over the limit, so that reading a chunked body can tell it exceeds it.
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES + 1,
        API_TITLE=PROJECT.name,
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH=DOCS_PATH,
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,
        API_SPEC_OPTIONS={
            "info": {"description": PROJECT.description},
            "components": {"securitySchemes": SECURITY_SCHEMES},
        },
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["user_id"] = UserIdConverter

    db.init_app(app, create_database_engine(settings.database_url))
    init_components(app, settings)
    cors.init_app(
        app,
        origins=settings.cors_origins,
        methods=list(CORS_ALLOW_METHODS),
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
    )
    register_request_hooks(app)
    init_docs(app)

    api = Api(app)
    api.register_converter(UserIdConverter, _id_parameter_schema)
    for blueprint in (health.blp, users.blp, auth.blp):
        api.register_blueprint(blueprint)
    # After Api(app), so that these replace flask-smorest's own HTTPException handler.
    register_error_handlers(app)
    if settings.forwarded_allow_ips:
        app.wsgi_app = ProxyHeadersMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, settings.forwarded_allow_ips
        )
    return app


def shutdown(app: Flask) -> None:
    """Closes the app's database pool and cache connections (a server worker exits)."""
    with app.app_context():
        components().cache.close()
    db.dispose(app)


def _id_parameter_schema(_converter: Any) -> dict[str, Any]:
    return ID_PARAMETER_SCHEMA
