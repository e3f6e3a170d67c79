"""Debian's chromium, headless, driven by Playwright: the real browser the page tests open.

`chromium_browser` is a pytest fixture (import it into a test module) that launches /usr/bin/chromium once per
module with the flags a closed network needs, and `open_page` loads a URL and collects every console error and
uncaught page error, so a test can assert the page ran clean. Without chromium the tests are skipped with the
command that installs it; `.ci/run` installs it, so CI always runs them.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install --no-install-recommends chromium"
# Without the background-networking flags chromium keeps opening connections this machine's network refuses.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class LoadedPage:
    """A page open in chromium and the errors it raised since it was opened."""

    page: object
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, path: Path, selector: str | None = None) -> Path:
        """A PNG of the whole page, or of the element `selector` names."""
        target = self.page.locator(selector) if selector else self.page
        kwargs = {} if selector else {"full_page": True}
        target.screenshot(path=str(path), **kwargs)
        return path


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    """One headless chromium for a test module (skipped, naming the install command, where it is missing)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"needs Debian chromium: {INSTALL}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS))
        yield browser
        browser.close()


def open_page(browser: object, url: str, width_px: int = 1280, height_px: int = 900) -> LoadedPage:
    """Open `url` in a new page of `browser`, recording console errors and uncaught exceptions."""
    page = browser.new_page(viewport={"width": width_px, "height": height_px})
    loaded = LoadedPage(page)
    page.on("console", lambda message: message.type == "error" and loaded.console_errors.append(message.text))
    page.on("pageerror", lambda error: loaded.console_errors.append(f"uncaught: {error}"))
    page.goto(url, wait_until="load")
    return loaded
