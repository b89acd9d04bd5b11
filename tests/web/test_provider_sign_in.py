"""Signing up with an OpenID Connect provider in a real Chromium: the sign-up page's provider
button takes the learner through the provider (tests/fixtures/oidc_issuer.py, the protocol's
real peer on loopback) and back, the platform hands the tokens to the client's completion page
in the address's fragment, and the learner lands signed in where they were going."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.fixtures.app import Api, make_settings
from tests.fixtures.oidc_issuer import OidcIssuer, running_issuer
from tests.fixtures.postgres import free_port
from tests.tutor.conftest import live_api
from tests.web.pages import DESKTOP, capture


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def issuer(port: int) -> Iterator[OidcIssuer]:
    with running_issuer({f"http://127.0.0.1:{port}/api/v1/auth/oidc/google/callback"}) as running:
        yield running


@pytest.fixture
async def provider_api(
    database_url_for_test: str, tmp_path: Path, web_dist: Path, issuer: OidcIssuer, port: int
) -> AsyncIterator[Api]:
    google = {
        "issuer": issuer.url,
        "client_id": issuer.client_id,
        "client_secret": issuer.client_secret,
    }
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        public_url=f"http://127.0.0.1:{port}",
        oidc_providers={"google": google},
        web_dist=web_dist,
    )
    async for api in live_api(settings, port):
        yield api


async def test_a_learner_signs_up_with_a_provider_and_lands_signed_in(
    provider_api: Api, issuer: OidcIssuer, browser: Browser, screenshots: Path
) -> None:
    assert issuer.user is not None
    context = await browser.new_context(
        base_url=str(provider_api.client.base_url), viewport=DESKTOP
    )
    page = await context.new_page()
    await page.goto("/progress")  # a signed-in page: sign in first, then back here
    await page.wait_for_url("**/sign-in?next=*")
    await expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    await page.get_by_role("main").get_by_role("link", name="Create an account").click()
    await page.get_by_label("Date of birth").fill("2000-01-01")
    await capture(page, screenshots, "sign-up-with-provider")
    await page.get_by_role("button", name="Sign up with Google").click()
    await page.wait_for_url("**/progress")
    assert "#" not in page.url  # the tokens are gone from the address
    await expect(page.get_by_role("heading", level=1, name="My progress")).to_be_visible()
    session = await page.evaluate("JSON.parse(localStorage.getItem('wc.session'))")
    me = await provider_api.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {session['access']}"}
    )
    assert me.json()["email"] == issuer.user.email.lower()
    await context.close()
