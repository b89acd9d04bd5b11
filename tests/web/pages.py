"""What the browser tests do on every page: capture it at phone and desktop width, sign in."""

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.fixtures.app import PASSWORD, Account

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


async def capture(page: Page, folder: Path, name: str) -> None:
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)


async def signed_in(browser: Browser, base: str, account: Account) -> Page:
    """A page of a browser context of its own (its own storage), signed in through the form."""
    context = await browser.new_context(base_url=base, viewport=DESKTOP)
    page = await context.new_page()
    await page.goto("/sign-in")
    await page.get_by_label("E-mail", exact=True).fill(account.email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page
