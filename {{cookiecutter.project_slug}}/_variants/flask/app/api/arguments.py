"""The request parser behind flask-smorest's @arguments: every failure becomes the
contract's 400 `validation_error` whose details name top-level fields."""

from collections.abc import Mapping
from typing import Any, NoReturn

import flask
import marshmallow as ma
from marshmallow.exceptions import SCHEMA
from webargs.flaskparser import FlaskParser

from app.core.errors import FieldError, ValidationFailed
from app.core.json_body import BODY, load_json_object


def _first_message(messages: Any) -> str:
    if isinstance(messages, str):
        return messages
    if isinstance(messages, dict):
        messages = list(messages.values())
    if isinstance(messages, list) and messages:
        return _first_message(messages[0])
    return "is invalid"


class ContractParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = ValidationFailed.status

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        """Anything but a JSON object (no body, bad JSON, a list...) is a 400 on `body`, as
        is a hostile one (app/core/json_body.py)."""
        return load_json_object(req.get_data(cache=True))

    def handle_error(
        self,
        error: ma.ValidationError,
        req: flask.Request,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        details: list[FieldError] = []
        by_location = error.messages if isinstance(error.messages, dict) else {}
        for messages in by_location.values():
            for field, field_messages in (messages if isinstance(messages, dict) else {}).items():
                name = BODY if field == SCHEMA else str(field)
                details.append({"field": name, "message": _first_message(field_messages)})
        raise ValidationFailed(details or [{"field": BODY, "message": "is invalid"}])
