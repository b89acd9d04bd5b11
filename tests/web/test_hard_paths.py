"""A learner's bad moments in a real Chromium against the platform on loopback: the LLM does not
answer (a closed port) and the tutor says so in words; a second question within the minute is
refused with the wait shown; the session ends on the server and the learner signs in again
without losing the question they typed; the network goes (Playwright's offline mode) and the
lesson they opened still reads, the tutor saying it is offline. Each state is captured at phone
and desktop width and checked by axe."""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures.app import PASSWORD, Api, make_settings
from tests.fixtures.postgres import free_port
from tests.tutor.conftest import CONDENSATION, explained_course, live_api
from tests.web.pages import capture, signed_in

ANSWER_SECONDS = 120


@pytest.fixture
async def hard_api(
    monkeypatch: pytest.MonkeyPatch, database_url_for_test: str, tmp_path: Path, web_dist: Path
) -> AsyncIterator[Api]:
    """The LLM's port closed, one tutor message a minute per learner, access tokens of 30 s
    (the client refreshes them before every call, so a revoked session shows at once)."""
    monkeypatch.setenv("WC_TUTOR_LEARNER_MESSAGES_PER_MINUTE", "1")
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        access_token_ttl_seconds=30,
        web_dist=web_dist,
    )
    async for api in live_api(settings):
        yield api


async def ask(page: Page, question: str) -> None:
    await page.get_by_label("Your question").fill(question)
    await page.get_by_role("button", name="Ask").click()


async def test_the_llm_down_a_429_an_ended_session_and_the_network_gone(
    hard_api: Api, browser: Browser, screenshots: Path
) -> None:
    api = hard_api
    await explained_course(api)
    learner = await api.account("student")
    page = await signed_in(browser, str(api.client.base_url), learner.email)
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.get_by_role("link", name="The water cycle").click()
    await page.get_by_role("link", name=CONDENSATION.title).click()
    lesson = page.get_by_role("heading", level=1, name=CONDENSATION.title)
    await expect(lesson).to_be_visible()
    tutor = page.get_by_role("complementary", name="Tutor")

    # The LLM does not answer: a message in words, and the tutor takes questions again.
    await ask(page, "How do clouds form?")
    problem = tutor.get_by_role("alert")
    await expect(problem).to_contain_text("not answering", timeout=ANSWER_SECONDS * 1000)
    await capture(page, screenshots, "tutor-llm-down")

    # A second question within the minute: the wait is shown.
    await ask(page, "What is an aquifer?")
    await expect(problem).to_contain_text(re.compile(r"Try again in \d+ s\."))
    await capture(page, screenshots, "tutor-429")

    # The session ends on the server (signed out elsewhere): sign in again, the question kept.
    stored = json.loads(await page.evaluate("localStorage.getItem('wc.session')"))
    revoked = await api.client.post(
        "/api/v1/auth/logout", json={"refresh_token": stored["refresh"]}
    )
    assert revoked.status_code == 204, revoked.text
    typed = "Why does dew form on grass?"
    await ask(page, typed)
    await page.wait_for_url("**/sign-in?next=*")
    await page.get_by_label("E-mail", exact=True).fill(learner.email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(lesson).to_be_visible()  # back on the lesson …
    await expect(page.get_by_label("Your question")).to_have_value(typed)  # … the question kept

    # The network goes: the opened lesson still reads, the tutor says it is offline.
    await page.context.set_offline(True)
    await page.reload()
    await expect(lesson).to_be_visible()
    await expect(page.get_by_text("Billions of droplets together form a cloud")).to_be_visible()
    await expect(tutor.get_by_role("alert")).to_contain_text("You are offline")
    await expect(page.get_by_role("button", name="Ask")).to_be_disabled()
    await capture(page, screenshots, "lesson-offline")
    await page.context.close()
