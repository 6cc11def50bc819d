"""Request bodies: one JSON object of UTF-8 text, by the rules every framework shares."""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from app.core.errors import ValidationFailed
from app.core.json_body import load_json_object


class JsonObjectParser(JSONParser):
    """DRF's JSON parser with app/core/json_body.py's rules: anything but a JSON object, and
    any hostile one (nested too deeply, a huge number, a key twice, a NUL...), is a
    ParseError, which the envelope names `body`."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return load_json_object(stream.read())
        except ValidationFailed as exc:
            raise ParseError(exc.details[0]["message"]) from None
