"""The built web client under the platform's own Content-Security-Policy, in a real Chromium: the
sign-in page, a lesson with maths (KaTeX's styles and fonts) beside the tutor, and a class chat
(the WebSocket hub) load and work with no policy violation reported by the browser."""

from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.fixtures.app import PASSWORD, Api
from tests.rag.factories import LessonSpec, make_course
from tests.web.pages import DESKTOP

# Registered before any page script runs (Playwright injects it through the DevTools protocol,
# which the policy does not govern), so every violation of every page is kept.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push({directive: event.violatedDirective, blocked: event.blockedURI,
                             source: event.sourceFile, sample: event.sample});
});
"""
MATHS_LESSON = LessonSpec(
    title="Evaporation by numbers",
    body="Water evaporates faster when warm.\n\nThe rate grows as $e^{-E/kT}$:\n\n"
    "$$r = A e^{-E/kT}$$\n",
)


# Signing in (argon2) and the lesson's code (Markdown, KaTeX: loaded on first use) are slow on a
# busy 2-core machine.
SLOW_MS = 30_000


async def violations(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate("window.cspViolations")
    return found


async def test_the_client_runs_under_its_policy_with_no_violation(
    client_api: Api, browser: Browser
) -> None:
    api = client_api
    async with api.stores.database.session() as session:
        course = await make_course(session, "Water by numbers", [MATHS_LESSON])
    teacher = await api.account("teacher")
    learner = await api.account("student", display_name="Ada Learner")
    created = await api.client.post(
        "/api/v1/classes", json={"name": "Ponds"}, headers=teacher.headers
    )
    base = str(api.client.base_url)

    first = await api.client.get("/sign-in")
    policy = first.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    console: list[str] = []
    page = await recording_page(browser, base, console)
    await page.goto("/sign-in")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert await violations(page) == []

    await sign_in(page, learner.email)  # the catalogue, in the same document
    assert await violations(page) == []
    await page.goto(f"/courses/{course.course_id}/lessons/{course.lesson_ids[0]}")
    heading = page.get_by_role("heading", name="Evaporation by numbers")
    await expect(heading).to_be_visible(timeout=SLOW_MS)  # its code loads on demand
    await expect(page.locator(".katex").first).to_be_visible()
    await expect(page.get_by_label("Your question")).to_be_visible()  # the tutor beside it
    await page.evaluate("document.fonts.ready.then(() => true)")
    assert await violations(page) == []
    await page.context.close()

    page = await recording_page(browser, base, console)
    await page.goto("/sign-in")
    await sign_in(page, teacher.email)
    await page.goto(f"/classes/{created.json()['id']}/chat")
    live = page.get_by_role("status")
    await expect(live).to_have_text("Live", timeout=SLOW_MS)  # the WebSocket is open
    assert await violations(page) == []
    await page.context.close()

    blocked = [text for text in console if "Content Security Policy" in text]
    assert blocked == []


async def recording_page(browser: Browser, base: str, console: list[str]) -> Page:
    """A page of a fresh context whose violations and console errors are recorded."""
    context = await browser.new_context(base_url=base, viewport=DESKTOP)
    await context.add_init_script(RECORD_VIOLATIONS)

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.append(message.text)

    context.on("console", keep)
    return await context.new_page()


async def sign_in(page: Page, email: str) -> None:
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=SLOW_MS)
