"""Health, readiness, the OpenAPI document and the docs page."""

import html
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.contract.conftest import EVERY_BACKEND
from tests.contract.helpers import API, HTTP, assert_error, assert_status

pytestmark = [pytest.mark.contract, EVERY_BACKEND]

# Every path of the contract with its methods; path parameters match whatever their name.
CONTRACT_PATHS = {
    "/health": {"get"},
    "/health/ready": {"get"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/me": {"get"},
    "/api/v1/users/{}": {"get", "put", "patch", "delete"},
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/logout": {"post"},
}


def test_health_says_ok(client: httpx.Client) -> None:
    response = client.get("/health")
    assert_status(response, 200)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


def test_readiness_reports_database_and_cache(client: httpx.Client) -> None:
    response = client.get("/health/ready")
    assert_status(response, 200)
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def documented_paths(document: dict[str, Any]) -> dict[str, set[str]]:
    """Paths with their methods, prefixed by a relative server URL if the document has one."""
    servers = document.get("servers") or [{}]
    prefix = re.sub(r"^[a-z]+://[^/]+", "", servers[0].get("url", "")).rstrip("/")
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    found: dict[str, set[str]] = {}
    for path, item in document["paths"].items():
        for full in {path, prefix + path}:
            normalized = re.sub(r"\{[^}]+\}", "{}", full.rstrip("/") or "/")
            found.setdefault(normalized, set()).update(set(item) & methods)
    return found


def test_openapi_document_lists_every_path_of_the_contract(client: httpx.Client) -> None:
    response = client.get(f"{API}/openapi.json")
    assert_status(response, 200)
    document = response.json()
    assert str(document.get("openapi", "")).startswith("3."), document.get("openapi")
    assert document["info"]["title"]
    paths = documented_paths(document)
    missing = {
        path: sorted(wanted - paths.get(path, set()))
        for path, wanted in CONTRACT_PATHS.items()
        if wanted - paths.get(path, set())
    }
    assert not missing, f"undocumented: {missing}; documented: {sorted(paths)}"


def page_files(page: str) -> list[str]:
    """The URLs of a page's scripts, stylesheets and icons."""
    found = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)", page)
    return [html.unescape(url) for url in found]


def test_docs_page_runs_only_files_the_service_serves_itself(client: httpx.Client) -> None:
    """decisions.md: the page and its files come from the service, under its
    Content-Security-Policy, in every environment."""
    response = client.get(f"{API}/docs")
    assert_status(response, 200)
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert response.headers.get("content-security-policy") == HTTP["CONTENT_SECURITY_POLICY"]
    files = page_files(response.text)
    assert any(".js" in url for url in files) and any(".css" in url for url in files), files
    texts = [response.text]
    for url in files:
        assert not urlsplit(url).netloc, f"the docs page loads {url} from elsewhere"
        served = client.get(url)
        assert_status(served, 200)
        texts.append(served.text)
    assert any("openapi.json" in text for text in texts), "nothing loads the OpenAPI document"


def test_the_docs_page_and_its_files_answer_errors_as_every_path_does(
    client: httpx.Client,
) -> None:
    script = next(url for url in page_files(client.get(f"{API}/docs").text) if ".js" in url)
    folder = urlsplit(script).path.rsplit("/", 1)[0]
    for path in (f"{API}/docs", script):
        posted = client.post(path, json={})
        assert_error(posted, 405, "method_not_allowed")
        assert "GET" in posted.headers["allow"]
    assert_error(client.get(f"{folder}/no-such-file.js"), 404, "not_found")
