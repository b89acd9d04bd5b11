"""E-mail as people shaped it, through the real outbox, bus and an SMTP server: quiet hours in
the recipient's time zone, daily digests, one-click unsubscribe, admins' templates."""

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from platform_api.auth.models import User
from tests.fixtures.app import Api
from tests.notifications.conftest import FakeClock, SmtpInbox
from tests.notifications.helpers import (
    DUE_SOON,
    GRADED,
    held,
    set_preferences,
    tell,
    wait_until_held,
)

PREFERENCES = "/api/v1/notifications/preferences"
TEMPLATES = "/api/v1/notifications/templates"


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def unsubscribe_path(message: EmailMessage) -> str:
    link = re.search(
        r"(http://testserver/api/v1/notifications/unsubscribe\?token=\S+)", text_of(message)
    )
    assert link is not None, text_of(message)
    assert message["List-Unsubscribe"] == f"<{link.group(1)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = urlsplit(link.group(1))
    return f"{parts.path}?{parts.query}"


async def test_mail_during_quiet_hours_arrives_when_they_end(
    notifying_api: Api, smtp_inbox: tuple[int, SmtpInbox], clock: FakeClock
) -> None:
    api, inbox = notifying_api, smtp_inbox[1]
    teacher = await api.account("teacher")
    await set_preferences(
        api, teacher, time_zone="Europe/Berlin", quiet_hours={"start": "22:00", "end": "07:00"}
    )
    clock.now = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    await tell(api, teacher, "Essay due")
    await wait_until_held(api, teacher.id, 1)
    assert inbox.to(teacher.email) == []

    clock.now = datetime(2026, 3, 3, 5, 59, tzinfo=UTC)  # 06:59 in Berlin: still quiet
    assert await api.app.state.notifications.release_due() == 0
    clock.now = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    assert await api.app.state.notifications.release_due() == 1

    [message] = await inbox.wait_for(teacher.email)
    assert message["Subject"] == "Essay due"
    assert "About Essay due." in text_of(message)
    assert await held(api, teacher.id) == 0


async def test_daily_digest_collects_several_into_one_mail(
    notifying_api: Api, smtp_inbox: tuple[int, SmtpInbox], clock: FakeClock
) -> None:
    api, inbox = notifying_api, smtp_inbox[1]
    student = await api.account("student")
    await set_preferences(
        api, student, time_zone="America/New_York", digest="daily", digest_time="18:00"
    )
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York
    titles = ["Quiz 1 due", "Quiz 2 due", "Lab report graded"]
    await tell(api, student, titles[0])
    await tell(api, student, titles[1])
    await tell(api, student, titles[2], kind=GRADED)
    await wait_until_held(api, student.id, 3)

    clock.now = datetime(2026, 3, 2, 22, 59, tzinfo=UTC)  # 17:59 in New York
    assert await api.app.state.notifications.release_due() == 0
    clock.now = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 18:00
    assert await api.app.state.notifications.release_due() == 3

    [digest] = await inbox.wait_for(student.email)
    assert digest["Subject"] == "Your daily Water Classroom digest: 3 notifications"
    body = text_of(digest)
    assert all(f"* {title}" in body and f"About {title}." in body for title in titles)
    path = unsubscribe_path(digest)  # the digest's link stops both kinds it carries
    assert (await api.client.post(path)).json()["kinds"] == sorted([DUE_SOON, GRADED])
    assert len(inbox.to(student.email)) == 1


async def test_unsubscribe_from_the_link_in_a_received_mail(
    notifying_api: Api, smtp_inbox: tuple[int, SmtpInbox], clock: FakeClock
) -> None:
    api, inbox = notifying_api, smtp_inbox[1]
    student = await api.account("student")
    await tell(api, student, "Homework due")
    [message] = await inbox.wait_for(student.email)
    path = unsubscribe_path(message)

    page = await api.client.get(path)  # what the link shows: a button, nothing changed yet
    assert page.status_code == 200 and '<form method="post">' in page.text
    assert "an assignment is due soon" in page.text
    assert (await api.client.get(PREFERENCES, headers=student.headers)).json()["channels"][
        DUE_SOON
    ]["email"]

    # The mail client's RFC 8058 one-click POST, no session.
    clicked = await api.client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200
    assert clicked.json() == {"status": "unsubscribed", "kinds": [DUE_SOON]}
    channels = (await api.client.get(PREFERENCES, headers=student.headers)).json()["channels"]
    assert channels[DUE_SOON] == {"in_app": True, "email": False, "push": True}
    assert channels[GRADED]["email"] is True

    await tell(api, student, "Another due date")
    await tell(api, student, "Test graded", kind=GRADED)  # still mailed: after the one above
    mails = await inbox.wait_for(student.email, 2)
    assert [m["Subject"] for m in mails] == ["Homework due", "Test graded"]

    tampered = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    refused = await api.client.post(tampered)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    forged = await api.client.post(f"{urlsplit(path).path}?token={student.access_token}")
    assert forged.status_code == 401  # an access token is not an unsubscribe link


async def test_templates_are_checked_when_saved_and_used_by_locale(
    notifying_api: Api, smtp_inbox: tuple[int, SmtpInbox], clock: FakeClock
) -> None:
    api, inbox = notifying_api, smtp_inbox[1]
    admin, teacher = await api.account("admin"), await api.account("teacher")
    url = f"{TEMPLATES}/{DUE_SOON}/de"
    unknown = {"subject": "Fällig: {{ title }}", "text": "{{ title }} am {{ due_date }}"}
    refused = await api.client.put(url, headers=admin.headers, json=unknown)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "template_unknown_variables"
    assert error["details"]["unknown"] == ["due_date"] and "due_at" in error["details"]["allowed"]
    broken = await api.client.put(
        url, headers=admin.headers, json={"subject": "{{ title", "text": "x"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "template_syntax_error"
    assert (await api.client.put(url, headers=teacher.headers, json=unknown)).status_code == 403
    listed = (await api.client.get(TEMPLATES, headers=admin.headers)).json()
    assert not [t for t in listed if t["locale"] == "de"]  # nothing stored by a refusal

    good = {"subject": "Fällig: {{ title }}", "text": "{{ body }} ({{ due_at }})"}
    saved = await api.client.put(url, headers=admin.headers, json=good)
    assert saved.status_code == 200 and saved.json()["overridden"] is True
    async with api.stores.database.session() as session:
        (await session.get_one(User, teacher.id)).locale = "de-AT"  # falls back to "de"
        await session.commit()
    await tell(api, teacher, "Aufsatz", due_at="2026-03-09")
    [message] = await inbox.wait_for(teacher.email)
    assert message["Subject"] == "Fällig: Aufsatz"
    assert text_of(message).startswith("About Aufsatz. (2026-03-09)\n")

    assert (await api.client.delete(url, headers=admin.headers)).status_code == 204
    assert (await api.client.delete(url, headers=admin.headers)).status_code == 404
