"""What the OpenAPI document says beyond the schemas: error responses, the bearer
scheme, and the id path parameter."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from werkzeug.routing import IntegerConverter

from app.api.extensions import Blueprint
from app.core.domain import ID_MAX

View = TypeVar("View", bound=Callable[..., Any])

ID_PARAMETER_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


class UserIdConverter(IntegerConverter):
    """A positive 64-bit id in ASCII digits; anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=ID_MAX)


def documents_errors(blp: Blueprint, *statuses: int) -> Callable[[View], View]:
    """Names the error responses an operation gives, each with the error envelope."""

    def decorate(view: View) -> View:
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate
