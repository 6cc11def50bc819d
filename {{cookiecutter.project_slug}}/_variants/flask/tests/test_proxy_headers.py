"""X-Forwarded-For and X-Forwarded-Proto are believed from FORWARDED_ALLOW_IPS only."""

import json
from typing import Any

import pytest
from flask import Flask, request

from app.core.settings import ConfigurationError, load_settings
from tests.conftest import AppFactory

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")

FORWARDED = {"X-Forwarded-For": "203.0.113.7, 10.0.0.5", "X-Forwarded-Proto": "https"}


def probe(app: Flask, peer: str) -> dict[str, Any]:
    """The client address and scheme a view is given, for a request from `peer`."""

    @app.get("/probe")
    def answer() -> dict[str, Any]:
        return {"client": request.remote_addr, "scheme": request.scheme}

    response = app.test_client().get(
        "/probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer}
    )
    assert response.status_code == 200
    answered: dict[str, Any] = response.get_json()
    return answered


def test_a_trusted_proxy_gives_the_client_and_scheme(make_app: AppFactory) -> None:
    app = make_app(forwarded_allow_ips=["127.0.0.1", "10.0.0.0/8"])

    # 10.0.0.5 is a trusted proxy too: the client is the address left of it.
    assert probe(app, "127.0.0.1") == {"client": "203.0.113.7", "scheme": "https"}


def test_an_untrusted_peer_is_the_client_whatever_it_sends(make_app: AppFactory) -> None:
    app = make_app(forwarded_allow_ips=["10.0.0.0/8"])

    assert probe(app, "192.0.2.9") == {"client": "192.0.2.9", "scheme": "http"}


def test_by_default_no_proxy_is_trusted(make_app: AppFactory) -> None:
    assert probe(make_app(), "127.0.0.1") == {"client": "127.0.0.1", "scheme": "http"}


def test_each_forwarded_client_has_its_own_limit_and_is_logged(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(forwarded_allow_ips=["127.0.0.1"], rate_limit_per_ip=1, log_level="INFO")
    client = app.test_client()

    first = client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.1"})
    again = client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.1"})
    other = client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.2"})

    assert (first.status_code, again.status_code, other.status_code) == (404, 429, 404)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    clients = [entry["client"] for entry in logged if entry.get("event") == "request"]
    assert clients == ["198.51.100.1", "198.51.100.1", "198.51.100.2"]


@pytest.mark.parametrize("value", ["10.0.0.1/8", "proxy.internal", "*, 10.0.0.1"])
def test_a_bad_entry_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    with pytest.raises(ConfigurationError, match=r"^FORWARDED_ALLOW_IPS: ") as failure:
        load_settings()
    assert "\n" not in str(failure.value)
