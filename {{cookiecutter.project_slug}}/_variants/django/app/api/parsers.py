"""Request bodies: JSON objects of well-formed Unicode text only."""

import re
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# JSON joins an escaped surrogate pair into one character; any surrogate left is a lone one.
SURROGATE = re.compile("[\ud800-\udfff]")


class JsonObjectParser(JSONParser):
    """DRF's JSON parser, refusing any document that is not an object, that nests too
    deeply for Python's parser, or whose keys or strings hold a lone surrogate escape
    (`"\\ud800"`): such text cannot be encoded as UTF-8, for the database or for the reply."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("nests too deeply") from None
        if not isinstance(data, dict):
            raise ParseError("must be a JSON object")
        if _holds_lone_surrogate(data):
            raise ParseError("must be valid Unicode text (a lone surrogate escape is not)")
        return data


def _holds_lone_surrogate(document: dict[str, Any]) -> bool:
    # Walked with a list rather than recursion: the document may nest as deeply as the
    # parser allowed, which leaves no stack to spare.
    pending: list[Any] = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
