"""A content editor in a real Chromium against the platform on loopback: they submit a 2-topic
job for the OpenStax Python book, watch it run on a real ``wc content runner`` (Ray workers, the
bundled LLM) to the end, download its lessons, and approve a topic from the review queue with
every check's verdict in view. Each page is captured at phone and desktop width and checked by
axe."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.content.conftest import (  # noqa: F401 (fixtures)
    Book,
    Runner,
    cancel_unfinished_topics,
    python_book,
    runners,
    sections,
    start_runner,
)
from tests.fixtures.app import Api, make_settings
from tests.fixtures.llm import LlmServer
from tests.tutor.conftest import live_api
from tests.web.pages import capture, signed_in

JOB_SECONDS = 900
TOPIC_START = 30  # sections no other content test generates for


@pytest.fixture
async def content_web_api(
    python_book: Book,  # noqa: F811
    llm_server: LlmServer,
    tmp_path: Path,
    web_dist: Path,
) -> AsyncIterator[Api]:
    settings = make_settings(
        python_book.database_url,
        tmp_path,
        llm_base_url=llm_server.base_url,
        llm_model=llm_server.model,
        web_dist=web_dist,
    )
    async for api in live_api(settings):
        yield api
        await cancel_unfinished_topics(api.stores.database)


async def test_a_content_editor_runs_a_job_and_approves_a_topic(
    content_web_api: Api,
    python_book: Book,  # noqa: F811
    llm_server: LlmServer,
    runners: list[Runner],  # noqa: F811
    tmp_path: Path,
    browser: Browser,
    screenshots: Path,
) -> None:
    api = content_web_api
    editor = await api.account("content_editor")
    course = await api.client.get(
        f"/api/v1/curricula/courses/{python_book.course_id}", headers=editor.headers
    )
    titles = [lesson.title for lesson in sections(python_book, 2, TOPIC_START)]
    page = await signed_in(browser, str(api.client.base_url), editor.email)
    await page.get_by_role("link", name="Content").click()
    await page.get_by_role("button", name=re.compile("Course")).click()
    await page.get_by_role("option", name=course.json()["title"]).click()
    await page.get_by_label(re.compile("^Topics, one per line")).fill(
        "\n".join(f"{title} | Explain {title.lower()} with an example" for title in titles)
    )
    await capture(page, screenshots, "content")
    runners.append(
        start_runner(python_book, llm_server, tmp_path, items_per_worker="2", regenerations="0")
    )
    await page.get_by_role("button", name="Start the job").click()
    await expect(page.get_by_role("heading", level=1, name="Generation job")).to_be_visible()
    topics = page.get_by_role("table", name="Topics")
    for title in titles:
        await expect(topics).to_contain_text(title)
    progress = page.get_by_role("status").filter(has_text="% of 2 topics")
    await expect(progress).to_contain_text("Finished: 100 %", timeout=JOB_SECONDS * 1000)
    await capture(page, screenshots, "content-job")

    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Markdown lessons").click()
    lessons = Path(await (await downloading.value).path()).read_text()
    assert all(title in lessons for title in titles), lessons[:2000]

    await topics.get_by_role("link").first.click()
    await expect(page.get_by_role("heading", level=1, name=re.compile("^Review: "))).to_be_visible()
    await expect(page.get_by_role("list", name="Lesson checks")).to_contain_text("grounded")
    await expect(page.get_by_role("list", name="Item checks").first).to_be_visible()
    await capture(page, screenshots, "content-review")
    await page.get_by_role("button", name="Approve and publish").click()
    await expect(page.get_by_role("status")).to_contain_text("Approved: the lesson is published.")
    await page.context.close()
