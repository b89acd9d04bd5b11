"""Class chat behaviour: post (member only, screened like the tutor, stored, pushed), history,
and the messages a reconnecting client missed once they left the channel's recent history.

A message is pushed before its row commits (the row keeps the event id it was pushed with): a
fan-out that fails leaves nothing stored, and a message is never stored without being sent.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from agents.tutor.moderation import screen
from core.errors import AppError, RateLimited
from core.infra.cache import RateLimiter
from core.infra.database import utcnow
from platform_api.auth.models import User
from platform_api.realtime.channels import class_channel
from platform_api.realtime.chat.membership import ensure_member
from platform_api.realtime.chat.models import ClassMessage
from platform_api.realtime.chat.schemas import ChatMessageOut, ChatMessagePage
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout import FanOut, Replay
from platform_api.realtime.fanout.base import serialise, with_event_id


class MessageBlocked(AppError):
    status_code = 422
    code = "message_blocked"


@dataclass(frozen=True)
class ChatPosting:
    """What posting needs besides the session: the fan-out, and a per-person rate limit."""

    fanout: FanOut
    rate_limiter: RateLimiter
    per_minute: int


def chat_frame(message: ClassMessage, author_name: str) -> dict[str, Any]:
    """The ``chat.message`` frame pushed on the class channel (its id is added by the fan-out)."""
    return {
        "type": "chat.message",
        "channel": class_channel(message.class_id),
        "message": {
            "id": str(message.id),
            "class_id": str(message.class_id),
            "author_id": str(message.author_id),
            "author_name": author_name,
            "text": message.text,
            "created_at": message.created_at.isoformat(),
        },
    }


async def post_message(
    session: AsyncSession,
    posting: ChatPosting,
    author_id: uuid.UUID,
    class_id: uuid.UUID,
    text: str,
) -> ChatMessageOut:
    await ensure_member(session, author_id, class_id)
    decision = await posting.rate_limiter.acquire(f"rl:chat:{author_id}", posting.per_minute, 60.0)
    if not decision.allowed:
        raise RateLimited.retry_after(decision.retry_after_seconds, "Too many messages; slow down.")
    category = screen(text)
    if category is not None:
        raise MessageBlocked(
            "This message was not sent: the safety screen stopped it. If you need help, "
            "talk to your teacher or a trusted adult.",
            {"category": category.value},
        )
    author_name = (
        await session.scalar(select(User.display_name).where(User.id == author_id))
    ) or ""
    message = ClassMessage(
        id=uuid.uuid4(), class_id=class_id, author_id=author_id, text=text, created_at=utcnow()
    )
    frame = chat_frame(message, author_name)
    event_id = await posting.fanout.publish(class_channel(class_id), frame)
    message.event_ms, message.event_seq = event_id
    session.add(message)
    await session.commit()
    return _out(message, author_name)


async def history(
    session: AsyncSession, reader_id: uuid.UUID, class_id: uuid.UUID, limit: int, offset: int
) -> ChatMessagePage:
    await ensure_member(session, reader_id, class_id)
    total = await session.scalar(
        select(func.count()).select_from(ClassMessage).where(ClassMessage.class_id == class_id)
    )
    rows = await session.execute(
        _with_author_names(class_id)
        .order_by(ClassMessage.event_ms.desc(), ClassMessage.event_seq.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [_out(message, name) for message, name in rows]
    return ChatMessagePage(items=items, total=total or 0, limit=limit, offset=offset)


async def missed_messages(
    session: AsyncSession, class_id: uuid.UUID, after: EventId, limit: int
) -> Replay:
    """Chat frames after ``after``, oldest first: the latest ``limit`` (complete if no more)."""
    rows = await session.execute(
        _with_author_names(class_id)
        .where(tuple_(ClassMessage.event_ms, ClassMessage.event_seq) > tuple(after))
        .order_by(ClassMessage.event_ms.desc(), ClassMessage.event_seq.desc())
        .limit(limit + 1)
    )
    found = [(message, name) for message, name in rows]
    frames = [
        (message.event_id, with_event_id(serialise(chat_frame(message, name)), message.event_id))
        for message, name in reversed(found[:limit])
    ]
    return Replay(frames, complete=len(found) <= limit)


def _with_author_names(class_id: uuid.UUID) -> Any:
    return (
        select(ClassMessage, User.display_name)
        .join(User, User.id == ClassMessage.author_id)
        .where(ClassMessage.class_id == class_id)
    )


def _out(message: ClassMessage, author_name: str) -> ChatMessageOut:
    return ChatMessageOut(
        id=message.id,
        class_id=message.class_id,
        author_id=message.author_id,
        author_name=author_name,
        text=message.text,
        created_at=message.created_at,
        event_id=str(message.event_id),
    )
