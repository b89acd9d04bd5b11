"""What the browser tests do on every page: check it with axe, capture it at phone and desktop
width; sign in."""

import json
from pathlib import Path

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.fixtures.app import PASSWORD

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# axe-core, a devDependency of the web client (npm ci installs it with the build tools).
AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


async def accessibility_violations(page: Page) -> list[dict[str, object]]:
    """axe's serious and critical violations of the page as shown (WCAG 2.x A and AA rules)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the
        # platform's Content-Security-Policy (no inline scripts).
        await page.evaluate(f"{AXE.read_text()}\n;true")
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    found = await page.evaluate("options => window.axe.run(document, options)", options)
    return [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in found["violations"]
        if v["impact"] in SERIOUS
    ]


async def capture(page: Page, folder: Path, name: str) -> None:
    """The page at phone and desktop width, each checked by axe and written to ``folder``."""
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        violations = await accessibility_violations(page)
        assert not violations, f"{name} at {width} width: {json.dumps(violations, indent=1)}"
        await page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)


async def signed_in(browser: Browser, base: str, email: str) -> Page:
    """A page of a browser context of its own (its own storage), signed in through the form."""
    context = await browser.new_context(base_url=base, viewport=DESKTOP)
    page = await context.new_page()
    await page.goto("/sign-in")
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page
