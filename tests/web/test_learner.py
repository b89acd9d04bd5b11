"""A learner in a real Chromium against the platform on loopback: a deep link to a course asks
them to sign in, they sign up and land on it, open a lesson, ask the tutor and see its answer
arrive before it ends, follow a citation to the cited lesson, and stop a long answer. Each page
is captured at phone and desktop width."""

import uuid
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.fixtures.app import PASSWORD, Api
from tests.tutor.conftest import CONDENSATION, LONG_QUESTION, TutorCourse, explained_course
from tests.web.pages import capture

ANSWER_SECONDS = 120
# Records, at every change of the latest answer, (ms since the page loaded, its text's length,
# whether its sources are shown yet): the sources come with the answer's last event.
WATCH_ANSWER = """
() => {
  window.answerSamples = [];
  const record = () => {
    const answers = document.querySelectorAll('.exchanges > li');
    const last = answers[answers.length - 1];
    if (!last) return;
    const text = last.querySelector('.answer')?.textContent ?? '';
    const cited = last.querySelector('[aria-label="Sources"]') !== null;
    window.answerSamples.push([performance.now(), text.length, cited]);
  };
  new MutationObserver(record).observe(document.body, {
    subtree: true, childList: true, characterData: true,
  });
}
"""


async def sign_up_from_deep_link(page: Page, base: str, course: TutorCourse) -> None:
    await page.goto(f"{base}/courses/{course.course_id}")
    await page.wait_for_url("**/sign-in?next=*")
    await page.get_by_role("main").get_by_role("link", name="Create an account").click()
    await page.get_by_label("Your name").fill("Ada")
    await page.get_by_label("E-mail", exact=True).fill(f"ada-{uuid.uuid4().hex[:8]}@example.org")
    await page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    await page.get_by_label("Date of birth").fill("2000-01-01")
    await page.get_by_role("button", name="Create the account").click()
    await page.wait_for_url(f"**/courses/{course.course_id}")


async def ask(page: Page, question: str) -> None:
    await page.get_by_label("Your question").fill(question)
    await page.get_by_role("button", name="Ask").click()


async def test_a_learner_reads_a_lesson_and_the_tutor_answers_beside_it(
    web_api: Api, browser: Browser, screenshots: Path
) -> None:
    course = await explained_course(web_api)
    page = await browser.new_page()
    await sign_up_from_deep_link(page, str(web_api.client.base_url), course)
    await expect(page.get_by_role("heading", level=1, name="The water cycle")).to_be_visible()
    await capture(page, screenshots, "course")

    await page.get_by_role("link", name=CONDENSATION.title).click()
    await expect(page.get_by_role("heading", level=1, name=CONDENSATION.title)).to_be_visible()
    await expect(page.get_by_text("Billions of droplets together form a cloud")).to_be_visible()
    await page.evaluate(WATCH_ANSWER)
    await ask(page, "How do clouds form?")
    sources = page.get_by_role("list", name="Sources")
    await expect(sources).to_be_visible(timeout=ANSWER_SECONDS * 1000)
    samples = await page.evaluate("window.answerSamples")
    streamed = [length for _, length, cited in samples if length > 0 and not cited]
    assert len(set(streamed)) >= 2, f"the answer did not grow before it ended: {samples[:20]}"
    await capture(page, screenshots, "lesson-with-answer")
    tutor = page.get_by_role("complementary", name="Tutor")
    await expect(tutor).to_contain_text("In this course the tutor explains")
    await tutor.get_by_role("button", name="Helpful", exact=True).click()
    await expect(tutor.get_by_text("Thanks for the feedback.")).to_be_visible()

    # A citation opens the lesson it cites.
    citation = sources.get_by_role("link").first
    cited_title = (await citation.text_content() or "").split("] ", 1)[1]
    await citation.click()
    await expect(page.get_by_role("heading", level=1, name=cited_title)).to_be_visible()

    # A long answer stops at Stop, and the tutor takes the next question.
    await ask(page, LONG_QUESTION)
    answer = page.locator(".exchanges > li").last.locator(".answer")
    await expect(answer).not_to_have_text("", timeout=ANSWER_SECONDS * 1000)
    await page.get_by_role("button", name="Stop").click()
    await expect(page.get_by_text("Stopped.")).to_be_visible()
    await expect(page.get_by_role("button", name="Stop")).to_be_disabled()
    await page.get_by_label("Your question").fill("What is an aquifer?")
    await expect(page.get_by_role("button", name="Ask")).to_be_enabled()

    # The conversation is listed with the course's, and deleted with what the tutor remembers.
    await tutor.get_by_text("Earlier conversations").click()
    conversations = tutor.get_by_role("list", name="Earlier conversations")
    await expect(conversations.get_by_role("listitem")).to_have_count(1)
    await conversations.get_by_role("button", name="Delete").click()
    await expect(conversations.get_by_role("listitem")).to_have_count(0)
    await expect(page.locator(".exchanges > li")).to_have_count(0)
    await page.close()


async def test_the_catalogue_lists_the_course_and_a_wrong_password_says_so(
    web_api: Api, browser: Browser, screenshots: Path
) -> None:
    course = await explained_course(web_api)
    learner = await web_api.account("student")
    page = await browser.new_page()
    base = str(web_api.client.base_url)
    await page.goto(f"{base}/sign-in")
    await capture(page, screenshots, "sign-in")
    await page.get_by_label("E-mail", exact=True).fill(learner.email)
    await page.get_by_label("Password", exact=True).fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1, name="Courses")).to_be_visible()
    # Each test has a database of its own: the one course with published lessons.
    link = page.get_by_role("link", name="The water cycle")
    await expect(page.get_by_text("3 lessons")).to_be_visible()
    await capture(page, screenshots, "catalogue")
    await link.click()
    await page.wait_for_url(f"**/courses/{course.course_id}")
    await expect(page.get_by_role("link", name=CONDENSATION.title)).to_be_visible()
    await page.close()
