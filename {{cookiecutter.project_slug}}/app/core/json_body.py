"""Request bodies as every framework reads them: one JSON object of UTF-8 text, read at a
cost that grows with its size alone, or a 400 whose details name `body`.

Python's parser alone would take a document nested 200,000 deep into recursion, a number
of a million digits into a quadratic conversion, and a key given twice as the last of its
values; these rules refuse each before or while it is parsed.
"""

import codecs
import json
import math
import re
from itertools import accumulate
from typing import Any

from app.core.errors import ValidationFailed

BODY = "body"
MAX_DEPTH = 64
# Characters of one number: a 64-bit id is 20, a double written out in full about 25.
MAX_NUMBER_LENGTH = 100

# A JSON string, escapes included, written so that matching it never backtracks.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# JSON joins an escaped surrogate pair into one character; any surrogate left is a lone
# one, which no UTF-8 text (a database's, a reply's) can hold.
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(ValueError):
    """Raised from the parser's hooks; its message says what is wrong, never what was sent."""


def body_error(message: str) -> ValidationFailed:
    return ValidationFailed([{"field": BODY, "message": message}])


def load_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a dict, or ValidationFailed naming `body`."""
    if raw.startswith(codecs.BOM_UTF8):
        raise body_error("must not begin with a byte-order mark")
    if b"\x00" in raw:
        # An escaped one (\u0000) is text like any other: the field's own rules judge it.
        raise body_error("must not hold a NUL byte")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise body_error("must be UTF-8 text") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise body_error(f"must not nest deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except _Refused as exc:
        raise body_error(str(exc)) from None
    except ValueError:
        raise body_error("must be a JSON object") from None
    if not isinstance(document, dict):
        raise body_error("must be a JSON object")
    if _holds_lone_surrogate(document):
        raise body_error("must be valid Unicode text (a lone surrogate escape is not)")
    return document


def nesting_depth(text: str) -> int:
    """How deeply the arrays and objects of `text` nest, brackets inside strings aside: two
    passes of the regular-expression engine and one count, never recursion."""
    outside_strings = _STRING.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, _BRACKET.findall(outside_strings))), default=0)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _Refused("must not give a key twice")
    return document


def _check_length(number: str) -> None:
    if len(number) > MAX_NUMBER_LENGTH:
        raise _Refused(f"must not hold a number longer than {MAX_NUMBER_LENGTH} characters")


def _int(number: str) -> int:
    _check_length(number)
    return int(number)


def _float(number: str) -> float:
    _check_length(number)
    value = float(number)
    if math.isinf(value):
        raise _Refused("must not hold a number beyond a double's range")
    return value


def _constant(name: str) -> float:
    raise _Refused("must not hold NaN or Infinity, which JSON does not have")


def _holds_lone_surrogate(document: dict[str, Any]) -> bool:
    # Walked with a list: the document's depth is bounded, but a walk needs no stack at all.
    pending: list[Any] = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
