"""The LMS's side in a real Chromium: login initiation, the platform's auto-posted form, the
launch, and the web client that takes the tokens and opens the page the launch names."""

import re
from urllib.parse import urlencode

from playwright.async_api import Browser, Page, expect

from tests.lti.conftest import World
from tests.lti.flows import learner, teaching_context
from tests.lti.platform import Launch


async def open_tool(page: Page, world: World, plan: Launch) -> None:
    """What the LMS does when someone opens the tool: the login initiation, in this browser."""
    platform = world.platform
    hint = platform.plan(plan)
    query = urlencode({"iss": platform.url, "login_hint": hint, "client_id": platform.client_id})
    await page.goto(f"{world.url}/api/v1/lti/login?{query}")


async def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label`` (React Aria's Select: a button, a list)."""
    await page.get_by_role("button", name=re.compile(re.escape(label))).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def test_a_learner_opens_the_linked_lesson_signed_in(world: World, browser: Browser) -> None:
    taught = await teaching_context(world)
    course = taught.course
    lesson_path = f"/api/v1/curricula/lessons/{course.lesson_id}"
    draft = await world.api.client.get(lesson_path, headers=taught.teacher.headers)
    published = await world.api.client.post(
        f"{lesson_path}/status",
        headers={**taught.teacher.headers, "If-Match": draft.headers["ETag"]},
        json={"status": "published"},
    )
    assert published.status_code == 200, published.text
    target = {"wc_target": f"lesson:{course.lesson_id}"}
    context = await browser.new_context()
    page = await context.new_page()
    try:
        await open_tool(page, world, Launch(learner(), taught.context_id, "lesson-link", target))
        await page.wait_for_url(f"**/courses/{course.course_id}/lessons/{course.lesson_id}")
        assert "#" not in page.url  # the tokens are gone from the address
        await expect(page.get_by_role("heading", level=1, name="Friction")).to_be_visible()
    finally:
        await context.close()


async def test_an_instructor_picks_a_quiz_for_the_lms(world: World, browser: Browser) -> None:
    taught = await teaching_context(world)
    answered = len(world.platform.deep_link_responses)
    context = await browser.new_context()
    page = await context.new_page()
    try:
        plan = Launch(taught.instructor, taught.context_id, deep_linking=True)
        await open_tool(page, world, plan)
        await page.wait_for_url("**/lti/deep-linking/*")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Add to your LMS course")
        await choose(page, "What the link opens", "A quiz (its grades go to the LMS)")
        place = page.get_by_role("button", name="Place it in the LMS")
        await expect(place).to_be_enabled()  # the class's quizzes are listed
        await choose(page, "Which", "Compass quiz")
        await place.click()
        await page.wait_for_url(f"{world.platform.url}/deep-link-return")
    finally:
        await context.close()
    # The platform verified the signed answer with the tool's JWKS and took the quiz.
    assert len(world.platform.deep_link_responses) == answered + 1
    [item] = world.platform.deep_link_responses[-1][
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    ]
    assert item["custom"] == {"wc_target": f"quiz:{taught.quiz_id}"}
