"""The Flask extensions of the web layer, each bound to an app in the factory."""

from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import Flask
from flask_cors import CORS

from app.api.arguments import ContractParser
from app.api.schemas import ErrorEnvelopeSchema


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


cors = CORS()
