"""Sending one notification on one channel, or holding it: shared by the dispatcher and the
release of held messages. Everything is added to the caller's transaction (the outbox)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from markupsafe import escape
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.auth.models import User
from platform_api.notifications.events import EmailRequested, queue_email
from platform_api.notifications.kinds import NotificationKind
from platform_api.notifications.models import HeldDelivery
from platform_api.notifications.push import PushMessage, queue_pushes
from platform_api.notifications.templates import RenderedMessage, render_notification
from platform_api.notifications.unsubscribe import UnsubscribeLinks

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"


def with_unsubscribe_footer(message: RenderedMessage, url: str) -> RenderedMessage:
    """Every notification e-mail carries its unsubscribe link, whatever its template says."""
    text = f"{message.text}\n--\nStop these e-mails (one click, no sign-in): {url}\n"
    html = message.html
    if html is not None:
        html += f'\n<hr><p><a href="{escape(url)}">Stop these e-mails</a></p>\n'
    return RenderedMessage(message.subject, text, html)


@dataclass
class Delivery:
    """What sending needs in one process; ``clock`` is replaced by tests to move time."""

    links: UnsubscribeLinks
    site_url: str
    clock: Clock = system_clock

    def variables(self, recipient: User | None, variables: dict[str, Any]) -> dict[str, Any]:
        name = recipient.display_name if recipient is not None else ""
        return {"recipient_name": name, **variables, "site_url": self.site_url}

    async def email(
        self,
        session: AsyncSession,
        kind: NotificationKind,
        to: str,
        locale: str,
        variables: dict[str, Any],
        unsubscribe_kinds: list[str] | None = None,
        recipient_id: uuid.UUID | None = None,
    ) -> None:
        """Render and queue one e-mail; with ``unsubscribe_kinds``, its link stops those."""
        url = (
            self.links.url(recipient_id, unsubscribe_kinds)
            if recipient_id is not None and unsubscribe_kinds
            else None
        )
        rendered = await render_notification(
            session, kind, locale, {**variables, "unsubscribe_url": url or ""}
        )
        if url is not None:
            rendered = with_unsubscribe_footer(rendered, url)
        queue_email(
            session,
            EmailRequested(
                to=to,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                unsubscribe_url=url,
            ),
        )

    async def push(
        self,
        session: AsyncSession,
        kind: NotificationKind,
        recipient: User,
        variables: dict[str, Any],
    ) -> None:
        rendered = await render_notification(
            session, kind, recipient.locale, {**variables, "unsubscribe_url": ""}
        )
        message = PushMessage(
            kind=kind.name,
            title=rendered.subject,
            body=str(variables.get("body", "")),
            url=f"{self.site_url}/inbox",
        )
        await queue_pushes(session, recipient.id, message)

    def hold(
        self,
        session: AsyncSession,
        recipient_id: uuid.UUID,
        kind: str,
        channel: Channel,
        variables: dict[str, Any],
        release_at: datetime,
        *,
        digest: bool = False,
    ) -> None:
        session.add(
            HeldDelivery(
                id=uuid.uuid4(),
                recipient_id=recipient_id,
                kind=kind,
                channel=channel.value,
                digest=digest,
                variables=variables,
                release_at=release_at,
                created_at=self.clock(),
            )
        )
