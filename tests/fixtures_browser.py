"""Debian's Chromium through Playwright (/usr/bin/chromium, installed by .ci/run; no browser
download) against the app served on the module's real dev stack, and a signed-in tab that
collects anything the page complains about.

Without Chromium the browser tests skip locally and fail in CI (CI=true), where a skip would
hide a broken install step.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fixtures_api import PASSWORD, PEOPLE
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect

from itc.api.server import serving
from itc.models.roles import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "dashboard"
# Live refresh polls every second here (fixtures_api), so a few seconds is plenty.
LIVE_TIMEOUT_MS = 20_000

# Each browser test module sets `pytestmark = needs_chromium`.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI,
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/run must install Debian's chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
async def base_url(app_on_stack: FastAPI) -> AsyncIterator[str]:
    async with serving(app_on_stack, "127.0.0.1", 0) as url:
        yield url


class Session:
    """A signed-in browser tab that also collects anything the page complains about."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        # Blocks a test expects (a resource the page's policy refuses on purpose), kept apart.
        self.expected_blocks: tuple[str, ...] = ()
        self.blocked: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # A 401/403/422 answer is the page working; a CSP refusal or a script error is not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            expected = any(blocked in message.text for blocked in self.expected_blocks)
            (self.blocked if expected else self.problems).append(f"console: {message.text}")

    async def sign_in(self, role: Role) -> None:
        await self.page.goto(f"{self.base_url}/login")
        await self.page.get_by_label("Person ID").fill(PEOPLE[role])
        await self.page.get_by_label("Password").fill(PASSWORD)
        await self.page.get_by_role("button", name="Sign in").click()
        await expect(self.page.get_by_role("heading", name="Cohort board")).to_be_visible()

    async def screenshot(self, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        with capsys.disabled():
            print(f"\nscreenshot: {path}")
        return path


# Every page reports anything its Content-Security-Policy blocked as a console error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
async def tab(browser: Browser, base_url: str) -> AsyncIterator[Session]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    await context.add_init_script(REPORT_CSP_VIOLATIONS)
    session = Session(await context.new_page(), base_url)
    try:
        yield session
    finally:
        await context.close()
    assert not session.problems, session.problems
