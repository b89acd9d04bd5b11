"""E-mail goes out through the outbox, so a crash or a mail-server outage loses no message.

Delivery is at-least-once: the consumer marks the event processed after the SMTP server accepted
it, so a crash between the two can send a message twice, never zero times.
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


def request_email(session: AsyncSession, to: str, subject: str, text: str) -> None:
    """Queue an e-mail in the caller's transaction."""
    add_event(
        session, EMAIL_REQUESTED, EmailRequested(to=to, subject=subject, text=text).model_dump()
    )


async def subscribe_mailer(bus: EventBus, database: Database, mailer: Mailer) -> None:
    async def send(_: AsyncSession, event: Event) -> None:
        message = EmailRequested.model_validate(event.payload)
        await mailer.send(OutgoingMail(to=message.to, subject=message.subject, text=message.text))

    await bus.subscribe(CONSUMER, [EMAIL_REQUESTED], idempotent(database, CONSUMER, send))
