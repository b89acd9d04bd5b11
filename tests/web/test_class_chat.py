"""Class chat in a real Chromium: the teacher opens it from the class page, a learner from the
"Class chat" page; the learner posts, and the teacher's page shows the message and the learner
online (both over the WebSocket hub). Captured at phone and desktop width and checked by axe."""

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.fixtures.app import Api
from tests.web.pages import capture, signed_in


async def test_a_learner_posts_and_the_teacher_sees_it_and_them_online(
    client_api: Api, browser: Browser, screenshots: Path
) -> None:
    api = client_api
    teacher = await api.account("teacher")
    learner = await api.account("student", display_name="Ada Learner")
    created = await api.client.post(
        "/api/v1/classes", json={"name": "Rivers and lakes"}, headers=teacher.headers
    )
    class_id = created.json()["id"]
    await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        json={"student_email": learner.email},
        headers=teacher.headers,
    )
    teaching = await signed_in(browser, str(api.client.base_url), teacher.email)
    learning = await signed_in(browser, str(api.client.base_url), learner.email)

    await teaching.goto(f"/classes/{class_id}")
    await teaching.get_by_role("link", name="Class chat").click()
    await expect(
        teaching.get_by_role("heading", name="Rivers and lakes: class chat")
    ).to_be_visible()
    await expect(teaching.get_by_role("status")).to_have_text("Live")
    await learning.get_by_role("link", name="Class chat").click()
    await learning.get_by_role("link", name="Rivers and lakes").click()
    await expect(learning.get_by_role("status")).to_have_text("Live")

    online = teaching.get_by_role("list", name="Online members")
    await expect(online.get_by_role("listitem").filter(has_text="Ada Learner")).to_be_visible()
    await learning.get_by_role("textbox", name="Message").fill("Is the lake a reservoir?")
    await learning.get_by_role("button", name="Send").click()
    messages = teaching.get_by_role("list", name="Messages")
    await expect(messages).to_contain_text("Is the lake a reservoir?")
    await expect(messages).to_contain_text("Ada Learner")
    await capture(teaching, screenshots, "class-chat")

    await learning.get_by_role("textbox", name="Message").fill("I want to hurt myself")
    await learning.get_by_role("button", name="Send").click()
    await expect(learning.get_by_role("alert")).to_have_attribute("data-code", "message_blocked")
    await expect(messages).not_to_contain_text("hurt myself")
    for page in (teaching, learning):
        await page.context.close()
