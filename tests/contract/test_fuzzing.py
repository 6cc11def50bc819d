"""Schemathesis against each framework's own OpenAPI document: every operation, with and
without an admin's token, answers within its documented statuses and schemas, never with
a 5xx, accepts the data the document allows, and gives every 4xx in the contract's error
envelope; so does every sequence of operations its stateful phase chains together."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from harness.servers import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer
from tests.contract.conftest import (
    NEEDS_SERVICES,
    SERVICE_PARAMS,
    Launch,
    server_params,
    stop_cleanly,
)
from tests.contract.helpers import API, bearer
from tests.contract.servers import GENEROUS_LIMITS, frameworks, sqlite_set

pytestmark = pytest.mark.contract

# An operation of an OpenAPI document, whatever its parameters and responses.
Operation = APIOperation[Any, Any, Any, Any]


@pytest.fixture(
    scope="module",
    params=[
        *server_params([sqlite_set(f) for f in frameworks()]),
        *(
            pytest.param(*p.values, id=p.id, marks=[*p.marks, NEEDS_SERVICES])
            for p in SERVICE_PARAMS
        ),
    ],
)
def fuzzed_server(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    live = launch(request.param, "fuzzing", env=GENEROUS_LIMITS)
    yield live
    stop_cleanly(live)


@pytest.fixture(scope="module")
def admin_headers(fuzzed_server: LiveServer) -> dict[str, str]:
    response = httpx.post(
        f"{fuzzed_server.url}{API}/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: LiveServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}{API}/openapi.json")


def error_envelope(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case[Operation],
) -> None:
    """contract.md: a 4xx body is {"error": {code, message, request_id[, details]}}."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the envelope: {body}"
    error = body["error"]
    keys = {"code", "message", "request_id"}
    if error.get("code") == "validation_error":
        keys.add("details")
    assert set(error) == keys, f"not the envelope: {body}"
    assert error["request_id"] == response.headers["x-request-id"][0], body


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    # A request the document allows is not refused as invalid: the document tells the rules.
    positive_data_acceptance,
    error_envelope,
]
# A few examples per operation and mode keep each framework's run short; derandomize makes
# every run generate the same ones, so a failure comes back when the file runs again.
# No shrinking: a failure is reported as found, not after minutes spent making it smaller.
# Every health check is on: a failed one is reported with the operation it stopped.
BOUNDED = settings(
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
)


# No parameter and no body, so nothing to make invalid: these go unfuzzed in negative mode.
# Any other operation here would be one whose document says too little to be fuzzed.
WITHOUT_INVALID_INPUT = {"GET /health", "GET /health/ready"}


def fuzz(api_schema: schemathesis.BaseSchema, headers: dict[str, str]) -> set[str]:
    """Every operation with valid and invalid data; all failures reported at once. Returns
    the operations for which no invalid input could be generated."""
    failures: list[str] = []
    without_invalid_input: set[str] = set()
    operations: list[Operation] = []
    for result in api_schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    # Writes last, so that the admin's own account is read before a PUT or DELETE may hit it.
    operations.sort(key=lambda operation: operation.method.upper() in {"PUT", "PATCH", "DELETE"})
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @BOUNDED
            @given(case=operation.as_strategy(mode))
            def call(case: schemathesis.Case[Operation]) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except Unsatisfiable as failure:
                if mode is GenerationMode.NEGATIVE:
                    without_invalid_input.add(operation.label)
                else:
                    failures.append(f"{operation.label} ({mode.value}): {failure}")
            except (FailureGroup, Exception) as failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
    return without_invalid_input


def test_every_operation_keeps_to_its_document_for_anyone(
    api_schema: schemathesis.BaseSchema,
) -> None:
    assert fuzz(api_schema, {}) == WITHOUT_INVALID_INPUT


def test_every_operation_keeps_to_its_document_for_an_admin(
    api_schema: schemathesis.BaseSchema, admin_headers: dict[str, str]
) -> None:
    assert fuzz(api_schema, admin_headers) == WITHOUT_INVALID_INPUT


# A sequence is up to six calls, each taking what an earlier answer held (the links
# Schemathesis infers: a signed-up user's id, a Location header); twenty per framework,
# 6-15 s each here.
SEQUENCES = settings(
    BOUNDED,
    max_examples=20,
    stateful_step_count=6,
    phases=[Phase.generate],
)


def test_sequences_of_operations_keep_to_the_document_for_an_admin(
    api_schema: schemathesis.BaseSchema, admin_headers: dict[str, str]
) -> None:
    """Last in the module: its writes may change or delete the admin's own account."""

    class Sequences(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case[Operation]) -> dict[str, Any]:
            return {"headers": admin_headers}

        def validate_response(
            self,
            response: Response,
            case: Case[Operation],
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(response, checks=CHECKS)

    Sequences.run(settings=SEQUENCES)
