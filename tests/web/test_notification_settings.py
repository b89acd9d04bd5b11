"""Notification settings in a real Chromium: a teacher turns one kind's e-mail off, sets quiet
hours, a time zone and a daily digest, saves, and finds them stored; a time zone the platform does
not know is refused on the page. Captured at phone and desktop width and checked by axe."""

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.fixtures.app import Api
from tests.web.pages import capture, signed_in

PREFERENCES = "/api/v1/notifications/preferences"


async def test_a_teacher_changes_notification_settings_and_they_are_saved(
    client_api: Api, browser: Browser, screenshots: Path
) -> None:
    api = client_api
    teacher = await api.account("teacher")
    page = await signed_in(browser, str(api.client.base_url), teacher.email)
    await page.get_by_role("link", name="Notification settings").click()
    await expect(page.get_by_role("heading", level=1, name="Notification settings")).to_be_visible()
    graded_email = page.get_by_role("checkbox", name="Your work was graded: E-mail")
    await expect(graded_email).to_be_checked()
    await capture(page, screenshots, "notification-settings")

    await page.locator("label", has=graded_email).click()  # React Aria: the label takes clicks
    await page.get_by_label("Time zone (IANA name, e.g. Europe/Berlin)").fill("Mars/Olympus_Mons")
    await page.get_by_role("button", name="Save").click()
    refused = page.get_by_role("alert")
    await expect(refused).to_contain_text("not valid")
    await expect(refused).to_have_attribute("data-code", "validation_error")

    await page.get_by_label("Time zone (IANA name, e.g. Europe/Berlin)").fill("Europe/Berlin")
    quiet = page.get_by_role("checkbox", name="Quiet hours: hold e-mail and push until they end")
    await page.locator("label", has=quiet).click()
    await page.get_by_label("Quiet from").fill("21:30")
    await page.get_by_role("button", name="E-mail digest").click()
    await page.get_by_role("option", name="Daily").click()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")

    stored = (await api.client.get(PREFERENCES, headers=teacher.headers)).json()
    assert stored["channels"]["assessment_graded"] == {"in_app": True, "email": False, "push": True}
    assert stored["channels"]["assignment.due_soon"]["email"] is True
    assert stored["time_zone"] == "Europe/Berlin" and stored["digest"] == "daily"
    assert stored["quiet_hours"] == {"start": "21:30:00", "end": "07:00:00"}

    await page.reload()
    await expect(
        page.get_by_role("checkbox", name="Your work was graded: E-mail")
    ).not_to_be_checked()
    await expect(page.get_by_label("Quiet from")).to_have_value("21:30")
    await page.context.close()
