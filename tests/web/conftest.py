"""A real Chromium (Debian's, which `make test` installs when missing) driven by Playwright, and
the platform with the built web client on a loopback port."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background traffic (updates, sync, QUIC probes) switched off, as the machine
# notes advise; that nothing else leaves loopback is not checked by these tests.
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def web_dist() -> Path:
    dist = Settings().web_dist
    if not (dist / "index.html").is_file():
        pytest.fail(f"the web client is not built in {dist}: run `make web` (`make test` does)")
    return dist


@pytest.fixture(scope="session")
async def browser(web_dist: Path) -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium package")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pages' screenshots go (WC_SCREENSHOTS_DIR, else a pytest temporary folder)."""
    configured = os.environ.get("WC_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder
