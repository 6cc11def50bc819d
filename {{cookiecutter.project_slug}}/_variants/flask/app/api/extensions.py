"""The Flask extensions this service uses, each bound to an app in the factory."""

from dataclasses import dataclass
from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import Flask, current_app, g
from flask_cors import CORS
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.api.arguments import ContractParser
from app.api.schemas import ErrorEnvelopeSchema
from app.repositories.database import session_factory


class SchemaExtras(BasePlugin):
    """Adds a schema's `Meta.openapi_extra` to its OpenAPI component: the JSON Schema
    keywords (such as minProperties) that marshmallow has no option for."""

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        meta = getattr(kwargs.get("schema"), "Meta", None)
        return dict(getattr(meta, "openapi_extra", {}))


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api, documenting every error with the contract's envelope."""

    ERROR_SCHEMA = ErrorEnvelopeSchema

    def __init__(self, app: Flask | None = None) -> None:
        super().__init__(app, spec_kwargs={"extra_plugins": [SchemaExtras()]})


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = ContractParser()


@dataclass(frozen=True, slots=True)
class _DatabaseState:
    engine: Engine
    sessions: sessionmaker[Session]


class Database:
    """One engine per app; one session per request, closed when the request ends."""

    KEY = "database"

    def init_app(self, app: Flask, engine: Engine) -> None:
        app.extensions[self.KEY] = _DatabaseState(engine, session_factory(engine))
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state().sessions()
        session: Session = g.db_session
        return session

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def dispose(self, app: Flask) -> None:
        state: _DatabaseState = app.extensions[self.KEY]
        state.engine.dispose()

    def _state(self) -> _DatabaseState:
        state: _DatabaseState = current_app.extensions[self.KEY]
        return state

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
cors = CORS()
