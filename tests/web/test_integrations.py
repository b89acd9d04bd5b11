"""A school in the browser: it subscribes a receiver to events, tests it and reads the delivery
log; a teacher imports a class roster from a CSV file and sees the rows that were not enrolled."""

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.assessments.factory import teaching_course
from tests.fixtures.app import Api
from tests.fixtures.webhook_receiver import Receiver, verified
from tests.web.pages import capture, signed_in


async def test_a_school_subscribes_tests_its_receiver_and_reads_the_log(
    client_api: Api, browser: Browser, receiver: Receiver, screenshots: Path
) -> None:
    school = await client_api.account("teacher")
    await teaching_course(client_api, school, mc_items=1)  # owns a curriculum: a school
    page = await signed_in(browser, str(client_api.client.base_url), school.email)
    await page.get_by_role("link", name="Webhooks").click()
    await page.get_by_label("Receiver URL").fill(receiver.url("browser"))
    await page.get_by_label("Description").fill("Gradebook sync")
    await page.locator("label", has_text="assessment.graded").click()
    await page.get_by_role("button", name="Subscribe").click()
    secret = await page.locator("[role=status] code").inner_text()
    assert secret.startswith("whsec_")

    await page.get_by_role("button", name="Send a test").click()
    [request] = await receiver.wait_for("browser", 1)
    assert verified(secret, request)
    table = page.get_by_role("table", name="Latest deliveries")
    await page.get_by_role("button", name="refresh").click()
    await expect(table.get_by_role("cell", name="delivered")).to_be_visible()
    await capture(page, screenshots, "school-webhooks")

    # An admins-only event is refused with the platform's words, not a blank failure.
    await page.get_by_label("Receiver URL").fill(receiver.url("other"))
    await page.locator("label", has_text="model.promoted").click()
    await page.get_by_role("button", name="Subscribe").click()
    await expect(page.get_by_text("Only admins subscribe to platform-wide events.")).to_be_visible()


async def test_a_teacher_imports_a_roster_and_sees_what_was_not_enrolled(
    client_api: Api, browser: Browser, tmp_path: Path
) -> None:
    teacher = await client_api.account("teacher")
    ana, ben = await client_api.account("student"), await client_api.account("student")
    created = await client_api.client.post(
        "/api/v1/classes", headers=teacher.headers, json={"name": "7B"}
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(f"Name,Email\nAna,{ana.email}\nBen,{ben.email}\nNobody,who@example.org\n")
    page = await signed_in(browser, str(client_api.client.base_url), teacher.email)
    await page.goto(f"/classes/{created.json()['id']}")
    form = page.get_by_role("form", name="Import a roster")
    async with page.expect_file_chooser() as chooser:
        await form.get_by_role("button", name="Choose a CSV file").click()
    await (await chooser.value).set_files(roster)
    await form.get_by_role("button", name="Import").click()
    await expect(form.get_by_text("2 enrolled, 0 already in the class.")).to_be_visible()
    rejected = form.get_by_role("table", name="Rows not imported")
    await expect(rejected.get_by_role("cell", name="who@example.org")).to_be_visible()
    await expect(page.get_by_role("button", name="Remove A student")).to_have_count(2)
