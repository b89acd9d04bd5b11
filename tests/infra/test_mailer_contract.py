"""Contract of ``Mailer``: the file mailer, and the SMTP mailer against a real aiosmtpd server."""

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from core.infra.mail.base import Mailer, OutgoingMail
from core.infra.mail.files import FileMailer
from core.infra.mail.smtp import SmtpMailer
from tests.fixtures.postgres import free_port

SENDER = "Water Classroom <noreply@water.example>"


class Inbox:
    """Collects what the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@dataclass
class MailerUnderTest:
    mailer: Mailer
    delivered: Callable[[], list[tuple[list[str], EmailMessage]]]


def read_eml_files(directory: Path) -> list[tuple[list[str], EmailMessage]]:
    messages = []
    for path in sorted(directory.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(([str(message["To"])], message))
    return messages


@pytest.fixture(params=["files", "smtp"])
async def under_test(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MailerUnderTest]:
    if request.param == "files":
        yield MailerUnderTest(
            FileMailer(tmp_path / "outbox", SENDER), lambda: read_eml_files(tmp_path / "outbox")
        )
        return
    port, inbox = request.getfixturevalue("smtp_server")
    yield MailerUnderTest(SmtpMailer(f"smtp://127.0.0.1:{port}", SENDER), lambda: inbox.received)


async def test_message_has_recipient_subject_body_and_sender(under_test: MailerUnderTest) -> None:
    await under_test.mailer.send(
        OutgoingMail(
            to="ada@school.example", subject="Réinitialiser le mot de passe", text="Code: 42\nBye"
        )
    )
    [(recipients, message)] = under_test.delivered()
    assert recipients == ["ada@school.example"]
    assert message["To"] == "ada@school.example"
    assert message["From"] == SENDER
    assert message["Subject"] == "Réinitialiser le mot de passe"
    assert message["Message-ID"] and message["Date"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == "Code: 42\nBye\n"


async def test_each_send_is_a_separate_message(under_test: MailerUnderTest) -> None:
    await asyncio.gather(
        *(
            under_test.mailer.send(OutgoingMail(f"user{n}@school.example", f"Hello {n}", "hi"))
            for n in range(3)
        )
    )
    delivered = under_test.delivered()
    assert sorted(str(message["Subject"]) for _, message in delivered) == [
        "Hello 0",
        "Hello 1",
        "Hello 2",
    ]
    assert sorted(r for recipients, _ in delivered for r in recipients) == [
        f"user{n}@school.example" for n in range(3)
    ]


async def test_smtp_failure_raises_when_no_server_answers() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout_seconds=2)
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await mailer.send(OutgoingMail("ada@school.example", "x", "y"))


def test_smtp_url_must_be_smtp() -> None:
    with pytest.raises(ValueError):
        SmtpMailer("http://127.0.0.1:25", SENDER)


async def test_html_alternative_and_extra_headers(under_test: MailerUnderTest) -> None:
    link = "<https://school.example/unsubscribe?token=abc>"
    await under_test.mailer.send(
        OutgoingMail(
            "ada@school.example",
            "Graded",
            "Your grade: 9/10.",
            html="<p>Your grade: <b>9/10</b>.</p>",
            headers={
                "List-Unsubscribe": link,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )
    [(_, message)] = under_test.delivered()
    assert message["List-Unsubscribe"] == link
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "Your grade: 9/10."
    assert "<b>9/10</b>" in html.get_content()
