"""The WSGI middleware's rules, those of uvicorn's ProxyHeadersMiddleware."""

from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from app.api.proxy_headers import ProxyHeadersMiddleware


def start_response(
    _status: str, _headers: list[tuple[str, str]], _exc_info: Any = None
) -> Callable[[bytes], object]:
    return lambda _data: None


def seen_by_the_app(trusted: list[str], **environ: str) -> tuple[str, str]:
    """(REMOTE_ADDR, wsgi.url_scheme) as the wrapped application receives them."""
    seen: dict[str, str] = {}

    def app(environ: WSGIEnvironment, _start_response: StartResponse) -> Iterable[bytes]:
        seen.update(client=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        return [b""]

    request = {"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", **environ}
    ProxyHeadersMiddleware(app, trusted)(request, start_response)
    return seen["client"], seen["scheme"]


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "client"),
    [
        (["127.0.0.1"], "203.0.113.7", "203.0.113.7"),
        # The rightmost address that is not a trusted proxy: what is left of it the client
        # may have written itself.
        (["127.0.0.1"], "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (["127.0.0.1", "10.0.0.0/8"], "198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"),
        # Every address a trusted proxy: the leftmost.
        (["127.0.0.1", "10.0.0.0/8"], "10.0.0.1, 10.0.0.2", "10.0.0.1"),
        (["*"], "198.51.100.1, 203.0.113.7", "198.51.100.1"),
        (["127.0.0.1"], "203.0.113.7:4321", "203.0.113.7"),
        (["127.0.0.1"], "[2001:db8::1]:4321", "2001:db8::1"),
        (["127.0.0.1"], "2001:db8::1", "2001:db8::1"),
        (["127.0.0.1"], "", "127.0.0.1"),
    ],
)
def test_a_trusted_peer_forwards_the_client(
    trusted: list[str], forwarded_for: str, client: str
) -> None:
    assert seen_by_the_app(trusted, HTTP_X_FORWARDED_FOR=forwarded_for)[0] == client


@pytest.mark.parametrize(
    ("proto", "scheme"), [("https", "https"), ("http", "http"), ("ftp", "http")]
)
def test_a_trusted_peer_forwards_the_scheme_when_it_is_http_or_https(
    proto: str, scheme: str
) -> None:
    assert seen_by_the_app(["127.0.0.0/8"], HTTP_X_FORWARDED_PROTO=proto)[1] == scheme


@pytest.mark.parametrize("trusted", [[], ["10.0.0.0/8"], ["::1"]])
def test_an_untrusted_peer_is_the_client_whatever_it_sends(trusted: list[str]) -> None:
    seen = seen_by_the_app(
        trusted, HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https"
    )

    assert seen == ("127.0.0.1", "http")
