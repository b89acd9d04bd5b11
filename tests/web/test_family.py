"""A child under 13 and their parent in a real Chromium against the platform on loopback: the
child signs up and waits for consent; the parent opens the mailed link, consents, signs up with
that address and follows the child's progress; the child then signs in to their own progress.
Each page is captured at phone and desktop width and checked by axe."""

import uuid
from datetime import date
from pathlib import Path

from playwright.async_api import Browser, expect

from tests.fixtures.app import PASSWORD, Api
from tests.fixtures.mail import mailed_token
from tests.web.pages import DESKTOP, capture, signed_in


async def test_a_parent_consents_and_follows_their_childs_progress(
    web_api: Api, browser: Browser, screenshots: Path
) -> None:
    api, base = web_api, str(web_api.client.base_url)
    parent_email = f"parent-{uuid.uuid4().hex[:8]}@example.org"
    child_email = f"child-{uuid.uuid4().hex[:8]}@example.org"
    nine_years_ago = date.today().replace(year=date.today().year - 9, day=1)

    context = await browser.new_context(base_url=base, viewport=DESKTOP)
    page = await context.new_page()
    await page.goto("/sign-up")
    await page.get_by_label("Your name").fill("Ada")
    await page.get_by_label("E-mail", exact=True).fill(child_email)
    await page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    await page.get_by_label("Date of birth").fill(nine_years_ago.isoformat())
    await page.get_by_label("A parent's e-mail (under 13 only)").fill(parent_email)
    await page.get_by_role("button", name="Create the account").click()
    await expect(page.get_by_role("heading", name="Almost there")).to_be_visible()
    await capture(page, screenshots, "consent-pending")

    token = await mailed_token(api, parent_email, "/parental-consent")
    await page.goto(f"/parental-consent?token={token}")
    await capture(page, screenshots, "parental-consent")
    await page.get_by_role("button", name="I consent: activate the account").click()
    await expect(page.get_by_role("status")).to_contain_text("Ada's account is active.")
    # The link works again until it expires (a parent may press twice); a mangled one is refused.
    await page.goto(f"/parental-consent?token={'x' * 43}")
    await page.get_by_role("button", name="I consent: activate the account").click()
    await expect(page.get_by_role("alert")).to_contain_text("not valid")
    await context.close()

    parent = await api.account("parent", email=parent_email)
    parent_page = await signed_in(browser, base, parent.email)
    await parent_page.get_by_role("link", name="Children").click()
    child = parent_page.get_by_role("region", name="Ada")
    await expect(child.get_by_role("heading", name="Streak")).to_be_visible()
    await capture(parent_page, screenshots, "children")
    await parent_page.context.close()

    child_page = await signed_in(browser, base, child_email)
    await child_page.get_by_role("link", name="My progress").click()
    await expect(child_page.get_by_role("heading", level=1, name="My progress")).to_be_visible()
    await capture(child_page, screenshots, "progress-new-learner")
    await child_page.context.close()
