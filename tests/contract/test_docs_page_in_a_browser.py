"""The docs page in a real browser: Debian's chromium, driven by Playwright, with every
request to anything but loopback refused. Each framework's page renders every operation of
the contract from the files the service serves itself, under its Content-Security-Policy,
and signs a user up through "Try it out". One page load per framework, on SQLite: what the
page shows does not depend on the backend. A screenshot of each page is saved, and the
run's summary names the files."""

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

from harness.servers import LiveServer
from tests.contract.conftest import server_params
from tests.contract.helpers import API, DOCS_SCREENSHOT_PROPERTY, HTTP, PASSWORD, unique_email
from tests.contract.servers import backend_id, frameworks, sqlite_set
from tests.contract.test_health_and_docs import CONTRACT_PATHS

CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does "
        "it): this test installs no browser of its own",
    ),
    pytest.mark.parametrize(
        "server", server_params([sqlite_set(f) for f in frameworks()]), indirect=True
    ),
]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Past the route below, chromium itself resolves no name but loopback's.
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs-page-screenshots", numbered=False)


class OffLoopback:
    """Aborts every request whose host is not loopback, and remembers it."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.refused.append(request.url)
            route.abort("blockedbyclient")


def rendered_operations(page: Page) -> list[tuple[str, str]]:
    """Each operation the page shows, as (method, path), in its order."""
    pairs = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(block => [
            block.querySelector('.opblock-summary-method').textContent,
            block.querySelector('.opblock-summary-path').dataset.path,
        ])""",
    )
    return [(method.upper(), path) for method, path in pairs]


def by_path(operations: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Paths, their parameters written `{}` as in CONTRACT_PATHS, with their methods."""
    found: dict[str, set[str]] = {}
    for method, path in operations:
        found.setdefault(re.sub(r"\{[^}]+\}", "{}", path), set()).add(method.lower())
    return found


def test_the_docs_page_works_offline_and_signs_a_user_up(
    browser: Browser,
    server: LiveServer,
    screenshots: Path,
    request: pytest.FixtureRequest,
    record_property: Callable[[str, object], None],
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    off_loopback = OffLoopback()
    context.route("**/*", off_loopback)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # A script or style the policy refuses, or a script that fails, is an error here.
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Once loaded, the page has asked for every script and stylesheet it names.
        response = page.goto(f"{server.url}{API}/docs", wait_until="load")
        assert response is not None and response.status == 200
        assert response.headers.get("content-security-policy") == HTTP["CONTENT_SECURITY_POLICY"]
        assert not off_loopback.refused, f"the page asked beyond loopback: {off_loopback.refused}"
        assert not errors, f"the browser reported: {errors}"
        page.wait_for_selector(".opblock")
        operations = rendered_operations(page)
        rendered = by_path(operations)
        missing = {
            path: sorted(methods - rendered.get(path, set()))
            for path, methods in CONTRACT_PATHS.items()
            if methods - rendered.get(path, set())
        }
        assert not missing, f"not rendered: {missing}; rendered: {operations}"

        sign_up = page.locator(".opblock-post").filter(
            has=page.locator(f'.opblock-summary-path[data-path="{API}/users"]')
        )
        sign_up.locator(".opblock-summary").click()
        sign_up.locator(".try-out__btn").click()
        email = unique_email("browser")
        body = {"email": email, "name": "Signed up in a browser", "password": PASSWORD}
        sign_up.locator("textarea.body-param__text").fill(json.dumps(body))
        sign_up.locator(".execute").click()
        answer = sign_up.locator(".live-responses-table tbody .response").first
        answer.wait_for()
        assert answer.locator(".response-col_status").inner_text().strip() == "201"
        assert email in answer.locator(".response-col_description").inner_text()

        screenshot = screenshots / f"{backend_id(request.node.callspec.params['server'])}.png"
        page.screenshot(path=screenshot, full_page=True)
        print(f"docs page screenshot: {screenshot}")
        listed = ", ".join(f"{method} {path}" for method, path in operations)
        record_property(DOCS_SCREENSHOT_PROPERTY, f"{screenshot}: {listed}")
    finally:
        context.close()
    assert not off_loopback.refused, f"the page asked beyond loopback: {off_loopback.refused}"
    assert not errors, f"the browser reported: {errors}"
