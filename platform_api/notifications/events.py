"""E-mail goes out through the outbox, so a crash or a mail-server outage loses no message.

The dispatcher (and the release of held mail) renders a message and adds ``EMAIL_REQUESTED`` to
the outbox; this consumer sends it. Delivery is at-least-once: the consumer marks the event
processed after the SMTP server accepted it, so a crash between the two can send a message
twice, never zero times. A failing send is retried by the bus, then dead-lettered.
"""

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.mail import Mailer, OutgoingMail
from core.infra.mail.address import EmailAddress
from core.infra.outbox import add_event, idempotent

EMAIL_REQUESTED = "notification.email_requested"
CONSUMER = "notifications.mailer"


class EmailRequested(BaseModel):
    to: EmailAddress
    subject: str
    text: str
    html: str | None = None
    # RFC 8058 one-click unsubscribe (List-Unsubscribe and List-Unsubscribe-Post headers).
    unsubscribe_url: str | None = None


def queue_email(session: AsyncSession, message: EmailRequested) -> None:
    """Queue a rendered e-mail in the caller's transaction."""
    add_event(session, EMAIL_REQUESTED, message.model_dump())


def outgoing_mail(message: EmailRequested) -> OutgoingMail:
    headers: dict[str, str] = {}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return OutgoingMail(
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        headers=headers,
    )


async def subscribe_mailer(bus: EventBus, database: Database, mailer: Mailer) -> None:
    async def send(_: AsyncSession, event: Event) -> None:
        await mailer.send(outgoing_mail(EmailRequested.model_validate(event.payload)))

    await bus.subscribe(CONSUMER, [EMAIL_REQUESTED], idempotent(database, CONSUMER, send))
