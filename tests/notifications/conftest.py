"""A real SMTP server (aiosmtpd), a Web Push endpoint that speaks RFC 8030/8291/8292, one API for
a module's delivery tests that mails through the one and pushes to the other, and a clock the
tests move."""

import asyncio
import email
import email.policy
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from platform_api.notifications.runtime import Notifications
from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.postgres import create_test_database, free_port

LOOPBACK = "127.0.0.1"


class SmtpInbox:
    """What the SMTP server accepted (its handler runs on the controller's thread)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Notification mail to the address (each has an unsubscribe link); not account mail,
        such as the verification link every new account gets."""
        return [
            message
            for message in self.messages
            if message["To"] == address and "List-Unsubscribe" in message
        ]

    async def wait_for(
        self, address: str, count: int = 1, timeout: float = 10
    ) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.to(address))} of {count} mails to {address}")
            await asyncio.sleep(0.02)
        return self.to(address)


@dataclass
class PushRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A push service on loopback that records each request. Paths under /gone/ answer 410 (the
    browser unsubscribed); under /flaky/ the first request answers 503."""

    base_url: str
    received: list[PushRequest] = field(default_factory=list)

    async def wait_for(self, path: str, count: int = 1, timeout: float = 10) -> list[PushRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            requests = [request for request in self.received if request.path == path]
            if len(requests) >= count:
                return requests
            await asyncio.sleep(0.02)
        raise AssertionError(f"fewer than {count} pushes to {path}")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def smtp_inbox() -> Iterator[tuple[int, SmtpInbox]]:
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname=LOOPBACK, port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture(scope="module")
async def push_service() -> AsyncIterator[PushService]:
    port = free_port()
    service = PushService(f"http://{LOOPBACK}:{port}")

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        earlier = [seen for seen in service.received if seen.path == request.path]
        service.received.append(PushRequest(request.path, dict(request.headers), body))
        if request.path.startswith("/gone/"):
            return web.Response(status=410)
        if request.path.startswith("/flaky/") and not earlier:
            return web.Response(status=503)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/{tail:.*}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, LOOPBACK, port).start()
    yield service
    await runner.cleanup()


@pytest.fixture(scope="module")
async def notifying_api(
    postgres_server_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_inbox: tuple[int, SmtpInbox],
) -> AsyncIterator[Api]:
    """One API for a module's tests (each makes its own accounts): mail goes to the SMTP server,
    held mail waits for ``release_due`` (the periodic release is an hour apart)."""
    settings = make_settings(
        await create_test_database(postgres_server_url),
        tmp_path_factory.mktemp("notifications"),
        smtp_url=f"smtp://{LOOPBACK}:{smtp_inbox[0]}",
        public_url="http://testserver",
        push_http_loopback_hosts=[LOOPBACK],
        notification_release_seconds=3600,
        llm_base_url=f"http://{LOOPBACK}:{free_port()}/v1",
        proctor_url=f"http://{LOOPBACK}:{free_port()}/proctor",
    )
    async for running in running_api(settings):
        yield running


@pytest.fixture
def clock(notifying_api: Api) -> Iterator[FakeClock]:
    notifications: Notifications = notifying_api.app.state.notifications
    original = notifications.clock
    fake = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    notifications.clock = fake
    yield fake
    notifications.clock = original
