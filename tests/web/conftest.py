"""A real Chromium (Debian's, which `make test` installs when missing) driven by Playwright, and
the platform with the built web client on a loopback port."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from core.settings import Settings
from tests.fixtures.app import Api, make_settings
from tests.fixtures.llm import LlmServer
from tests.fixtures.postgres import free_port
from tests.tutor.conftest import live_api, tutor_settings

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
    # No name lookups at all: the pages are on 127.0.0.1, and Chromium's own lookups would ask
    # the machine's resolver (the namespace test once saw a DNS socket it could not attribute).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


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


@pytest.fixture
async def web_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
    web_dist: Path,
) -> AsyncIterator[Api]:
    """The platform serving the built client on a loopback port, with the bundled LLM."""
    # Long enough an answer that Stop has something to stop.
    monkeypatch.setenv("WC_TUTOR_MAX_ANSWER_TOKENS", "600")
    settings = tutor_settings(database_url_for_test, tmp_path, llm_server, web_dist=web_dist)
    async for api in live_api(settings):
        yield api


@pytest.fixture
async def client_api(
    database_url_for_test: str, tmp_path: Path, web_dist: Path
) -> AsyncIterator[Api]:
    """The platform serving the built client, without the LLM or the proctor (their URLs are
    closed ports: pages that need neither); webhooks may reach this machine's test receivers."""
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        web_dist=web_dist,
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        proctor_url=f"http://127.0.0.1:{free_port()}/proctor",
        webhook_allowed_networks=["127.0.0.1/32"],
        webhook_dispatch_poll_seconds=0.05,
    )
    async for api in live_api(settings):
        yield api
