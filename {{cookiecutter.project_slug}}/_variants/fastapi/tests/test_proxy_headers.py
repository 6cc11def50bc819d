"""X-Forwarded-For and X-Forwarded-Proto are believed from FORWARDED_ALLOW_IPS only."""

import json

import pytest
from fastapi import FastAPI, Request

from app.core.logging import configure_logging
from app.core.settings import ConfigurationError, load_settings
from app.main import create_app
from tests.conftest import MakeSettings
from tests.helpers import client_for

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")

FORWARDED = {"X-Forwarded-For": "203.0.113.7, 10.0.0.5", "X-Forwarded-Proto": "https"}


def with_probe(app: FastAPI) -> FastAPI:
    """The app with a route that answers the client address and scheme it was given."""

    @app.get("/probe")
    async def probe(request: Request) -> dict[str, str | None]:
        return {
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    return app


async def probe(app: FastAPI, peer: str) -> dict[str, str]:
    async with app.router.lifespan_context(app), client_for(app, ip=peer) as client:
        response = await client.get("/probe", headers=FORWARDED)
    assert response.status_code == 200
    answer: dict[str, str] = response.json()
    return answer


async def test_a_trusted_proxy_gives_the_client_and_scheme(make_settings: MakeSettings) -> None:
    app = with_probe(create_app(make_settings(forwarded_allow_ips=["127.0.0.1", "10.0.0.0/8"])))

    # 10.0.0.5 is a trusted proxy too: the client is the address left of it.
    assert await probe(app, "127.0.0.1") == {"client": "203.0.113.7", "scheme": "https"}


async def test_an_untrusted_peer_is_the_client_whatever_it_sends(
    make_settings: MakeSettings,
) -> None:
    app = with_probe(create_app(make_settings(forwarded_allow_ips=["10.0.0.0/8"])))

    assert await probe(app, "192.0.2.9") == {"client": "192.0.2.9", "scheme": "http"}


async def test_by_default_no_proxy_is_trusted(make_settings: MakeSettings) -> None:
    app = with_probe(create_app(make_settings()))

    assert await probe(app, "127.0.0.1") == {"client": "127.0.0.1", "scheme": "http"}


async def test_each_forwarded_client_has_its_own_limit_and_is_logged(
    make_settings: MakeSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(forwarded_allow_ips=["127.0.0.1"], rate_limit_per_ip=1))
    configure_logging("INFO")  # onto the captured stdout
    async with app.router.lifespan_context(app), client_for(app) as client:
        first = await client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.1"})
        again = await client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.1"})
        other = await client.get("/nowhere", headers={"X-Forwarded-For": "198.51.100.2"})

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
