"""X-Forwarded-For and X-Forwarded-Proto are believed from FORWARDED_ALLOW_IPS only, as
resolved around Django in app.config.wsgi (the test client would go round it)."""

from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.types import WSGIApplication
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from app.api.proxy_headers import ProxyHeadersMiddleware
from app.config.wsgi import build_application
from app.core.settings import ConfigurationError, get_settings
from tests.conftest import Api

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")

Logged = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def test_transaction_kept() -> Iterator[None]:
    """A request served by Django's WSGI handler closes the database connection, and with
    it the test's transaction: Django's test client stops that in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def status_of(application: WSGIApplication, path: str, **environ: str) -> str:
    request: dict[str, Any] = {"PATH_INFO": path, "REMOTE_ADDR": "127.0.0.1", **environ}
    setup_testing_defaults(request)
    statuses: list[str] = []

    def start_response(
        status: str, _headers: list[tuple[str, str]], _exc_info: Any = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda _data: None

    body = application(request, start_response)
    b"".join(body)
    getattr(body, "close", lambda: None)()
    return statuses[0]


def request_clients(logged: Logged) -> list[str]:
    return [entry["client"] for entry in logged() if entry.get("event") == "request"]


@pytest.mark.usefixtures("test_transaction_kept")
def test_each_forwarded_client_has_its_own_limit_and_is_logged(
    configure: Callable[..., None], logged: Logged
) -> None:
    configure(FORWARDED_ALLOW_IPS="127.0.0.1, 10.0.0.0/8", RATE_LIMIT_PER_IP="1")
    application = build_application()

    first = status_of(application, "/nowhere", HTTP_X_FORWARDED_FOR="198.51.100.1")
    # 10.0.0.5 is a trusted proxy too: the client is the address left of it.
    again = status_of(application, "/nowhere", HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.5")
    other = status_of(application, "/nowhere", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first, again, other) == ("404 Not Found", "429 Too Many Requests", "404 Not Found")
    assert request_clients(logged) == ["198.51.100.1", "198.51.100.1", "198.51.100.2"]


@pytest.mark.usefixtures("test_transaction_kept")
def test_an_untrusted_peer_is_the_client_whatever_it_sends(
    configure: Callable[..., None], logged: Logged
) -> None:
    configure(FORWARDED_ALLOW_IPS="10.0.0.0/8", RATE_LIMIT_PER_IP="1")
    application = build_application()

    first = status_of(application, "/nowhere", HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = status_of(application, "/nowhere", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first, second) == ("404 Not Found", "429 Too Many Requests")
    assert request_clients(logged) == ["127.0.0.1", "127.0.0.1"]


def test_the_served_application_trusts_the_configured_proxies(
    configure: Callable[..., None],
) -> None:
    configure(FORWARDED_ALLOW_IPS="10.0.0.0/8")

    application = build_application()

    assert isinstance(application, ProxyHeadersMiddleware)
    assert "10.1.2.3" in application.trusted
    assert "127.0.0.1" not in application.trusted


def test_by_default_no_proxy_is_trusted() -> None:
    assert not isinstance(build_application(), ProxyHeadersMiddleware)


def test_the_request_log_names_the_client(api: Api, logged: Logged) -> None:
    api.client.get("/nowhere", REMOTE_ADDR="192.0.2.9")

    assert request_clients(logged) == ["192.0.2.9"]


@pytest.mark.parametrize("value", ["10.0.0.1/8", "proxy.internal", "*, 10.0.0.1"])
def test_a_bad_entry_stops_start_up_naming_the_variable(
    configure: Callable[..., None], value: str
) -> None:
    configure(FORWARDED_ALLOW_IPS=value)
    with pytest.raises(ConfigurationError, match=r"^FORWARDED_ALLOW_IPS: ") as failure:
        get_settings()
    assert "\n" not in str(failure.value)
