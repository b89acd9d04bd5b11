"""A connection's channels: subscribing (checked, resumed from a last event id), presence
heartbeats in its classes, chat posts, and leaving everything when it goes."""

import time
import uuid
from typing import Any

from sqlalchemy import select

from core.errors import Forbidden, ValidationFailed
from core.infra.database import Database
from platform_api.auth.models import User
from platform_api.realtime.channels import CLASS_PREFIX, class_channel, user_channel
from platform_api.realtime.chat import service as chat
from platform_api.realtime.chat.membership import ensure_member
from platform_api.realtime.connection import Connection
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout import Replay
from platform_api.realtime.frames import ChatSend, Subscribe, Unsubscribe
from platform_api.realtime.pushes import announce_presence
from platform_api.realtime.runtime import Realtime

# A client further behind than this is told the replay is incomplete and reads the history API.
MISSED_CHAT_LIMIT = 500
# Event ids carry the publishing clock's milliseconds. One further ahead of this process's clock
# than any skew between servers was never sent: answering "nothing missed" would hide what the
# client did miss, so it is refused.
FUTURE_EVENT_TOLERANCE_MS = 60_000


class Subscriptions:
    def __init__(self, connection: Connection, realtime: Realtime, database: Database) -> None:
        self.connection = connection
        self.realtime = realtime
        self.database = database
        self.followed: set[str] = set()
        self.classes: set[uuid.UUID] = set()  # where this connection counts as present
        connection.on_overflow.append(self._unfollow_all)

    async def subscribe(self, frame: Subscribe) -> None:
        user_id = self.connection.current_claims().user_id
        channel, class_id = await self._authorise(user_id, frame.channel)
        after = _resume_point(frame.last_event_id, frame.channel)
        self.connection.hold(channel)
        replay = Replay()
        try:
            self.realtime.router.follow(channel, self.connection)
            self.followed.add(channel)
            reply: dict[str, Any] = {"type": "subscribed", "channel": channel}
            if class_id is not None:
                reply |= await self._join(class_id, user_id)
            replay = await self._replay(channel, class_id, after) if after else Replay()
            if after is not None:
                reply |= {"missed": len(replay.frames), "complete": replay.complete}
            await self.connection.send(reply)
            for _, text in replay.frames:
                await self.connection.send_text(text)
        finally:
            self.connection.release(channel, replay.frames[-1][0] if replay.frames else after)

    async def unsubscribe(self, frame: Unsubscribe) -> None:
        user_id = self.connection.current_claims().user_id
        channel, class_id = await self._authorise(user_id, frame.channel)
        self._unfollow(channel)
        if class_id is not None:
            await self._leave(class_id, user_id)
        await self.connection.send({"type": "unsubscribed", "channel": channel})

    async def heartbeat(self) -> None:
        """Keep the connection present in its classes (back online if it had lapsed)."""
        user_id = self.connection.current_claims().user_id
        for class_id in tuple(self.classes):
            if await self.realtime.presence.beat(class_id, user_id, self.connection.id):
                await self._announce(class_id, user_id, online=True)

    async def chat_send(self, frame: ChatSend) -> None:
        user_id = self.connection.current_claims().user_id
        async with self.database.session() as session:
            message = await chat.post_message(
                session, self.realtime.posting, user_id, frame.class_id, frame.text
            )
        await self.connection.send(
            {
                "type": "chat.sent",
                "request_id": frame.request_id,
                "message": message.model_dump(mode="json"),
            }
        )

    async def close(self) -> None:
        self._unfollow_all()
        if self.connection.claims is not None:
            for class_id in tuple(self.classes):
                await self._leave(class_id, self.connection.claims.user_id)

    async def _authorise(self, user_id: uuid.UUID, name: str) -> tuple[str, uuid.UUID | None]:
        """The channel's canonical name, and its class when it is one; refuse strangers."""
        target = uuid.UUID(name.partition(":")[2])
        if not name.startswith(CLASS_PREFIX):
            if target != user_id:
                raise Forbidden("You may follow only your own user channel.")
            return user_channel(target), None
        async with self.database.session() as session:
            await ensure_member(session, user_id, target)
        return class_channel(target), target

    async def _join(self, class_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, Any]:
        presence = self.realtime.presence
        self.classes.add(class_id)
        if await presence.beat(class_id, user_id, self.connection.id):
            await self._announce(class_id, user_id, online=True)
        online = await presence.online(class_id)
        names = await self._display_names(online)
        return {
            "online": [{"user_id": str(u), "display_name": names.get(u, "")} for u in online],
            "heartbeat_seconds": self.realtime.heartbeat_seconds,
        }

    async def _leave(self, class_id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.classes.discard(class_id)
        if await self.realtime.presence.leave(class_id, user_id, self.connection.id):
            await self._announce(class_id, user_id, online=False)

    async def _announce(self, class_id: uuid.UUID, user_id: uuid.UUID, *, online: bool) -> None:
        name = (await self._display_names([user_id])).get(user_id) if online else None
        await announce_presence(
            self.realtime.fanout, class_id, user_id, online=online, display_name=name
        )

    async def _replay(self, channel: str, class_id: uuid.UUID | None, after: EventId) -> Replay:
        """Frames after ``after`` from the recent history; a class's chat from PostgreSQL when
        the history no longer reaches back that far (the same messages have the same ids)."""
        replay = await self.realtime.fanout.replay(channel, after)
        if replay.complete or class_id is None:
            return replay
        async with self.database.session() as session:
            stored = await chat.missed_messages(session, class_id, after, MISSED_CHAT_LIMIT)
        merged = dict(stored.frames) | dict(replay.frames)
        return Replay(sorted(merged.items()), complete=stored.complete)

    async def _display_names(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not user_ids:
            return {}
        async with self.database.session() as session:
            rows = await session.execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids))
            )
        return {key: value for key, value in rows}

    def _unfollow(self, channel: str) -> None:
        self.realtime.router.unfollow(channel, self.connection)
        self.followed.discard(channel)

    def _unfollow_all(self) -> None:
        for channel in tuple(self.followed):
            self._unfollow(channel)


def _resume_point(last_event_id: str | None, channel: str) -> EventId | None:
    """Where a resumed subscription starts; an id from the future is refused."""
    if not last_event_id:
        return None
    after = EventId.parse(last_event_id)
    if after.milliseconds > time.time() * 1000 + FUTURE_EVENT_TOLERANCE_MS:
        raise ValidationFailed(
            "last_event_id is later than any event sent: resume from an id you received.",
            {"field": "last_event_id", "channel": channel},
        )
    return after
