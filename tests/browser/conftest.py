"""Real Chromium for the page tests: Debian's /usr/bin/chromium driven by Playwright's sync API.

Playwright never downloads a browser here; `make test` installs Debian's chromium, and without
it these tests fail (a skipped browser test would hide a broken page). Every page a test opens
records the browser's console errors and uncaught page errors, so a test can assert the page
ran cleanly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import sync_playwright

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
# Root in a container: no sandbox. The rest keeps Chromium from phoning home during a test run.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}  # a small phone, as in a patrol car

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # gitignored; screenshots a person can look at after a run
DOCS_IMAGES = ROOT / "docs" / "images"

# Playwright must use the system browser; make sure nothing tries to fetch its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module (started once, ~0.5 s), closed when the module is done so no
    Playwright event loop outlives the browser tests."""
    assert CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium: run `make chromium`"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in its own browser context, with what went wrong in it."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [f"console: {m}" for m in self.console_errors] + [
            f"page error: {m}" for m in self.page_errors
        ]


@pytest.fixture
def open_tab(browser: Browser, live_server: Any) -> Iterator[Callable[..., Tab]]:
    """A fresh browser context (own cookies) on the live server: ``open_tab(viewport=PHONE)``."""
    contexts: list[BrowserContext] = []

    def _open(viewport: ViewportSize = DESKTOP) -> Tab:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="en-US", timezone_id="UTC"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = Tab(page=context.new_page())
        tab.page.on(
            "console",
            lambda msg: (
                tab.console_errors.append(f"{msg.text} ({msg.location.get('url')})")
                if msg.type == "error"
                else None
            ),
        )
        tab.page.on("pageerror", lambda error: tab.page_errors.append(str(error)))
        return tab

    yield _open
    for context in contexts:
        context.close()


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot in test-artifacts/ (always), for a person to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def save_docs_screenshot(page: Page, name: str) -> Path | None:
    """The README's pictures, written only when CROSSROADS_SCREENSHOTS is set:
    ``CROSSROADS_SCREENSHOTS=1 .venv/bin/pytest tests/browser``."""
    if not os.environ.get("CROSSROADS_SCREENSHOTS"):
        return None
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMAGES / name
    page.screenshot(path=str(path), full_page=False)
    return path
