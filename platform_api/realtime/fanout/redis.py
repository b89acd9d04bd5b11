"""Redis fan-out: a stream per channel holds its recent frames, pub/sub carries them live.

Publishing is one Lua script (``XADD`` with ``MAXLEN ~``, ``PEXPIRE``, ``PUBLISH``), so a frame's
id, its place in the history and its broadcast are one atomic step. Every process listens with
one pattern subscription and hands each frame to its own connections; a frame is serialised once
by its publisher and only spliced with its id by the receivers.
"""

import asyncio
import contextlib
import logging
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from core.errors import ServiceUnavailable
from core.infra.cache.redis import redis_client
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout.base import Deliver, Replay, serialise, with_event_id

logger = logging.getLogger(__name__)

# KEYS[1]: the channel's stream, also its pub/sub channel; ARGV: frame JSON, history length,
# history lifetime in ms. The published message is "<event id> <frame JSON>".
PUBLISH_SCRIPT = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'frame', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[1], id .. ' ' .. ARGV[1])
return id
"""
RECONNECT_SECONDS = 1.0


class RedisFanOut:
    def __init__(
        self,
        client: Redis,
        history_frames: int,
        history_seconds: float,
        *,
        prefix: str = "wc:rt:",
    ) -> None:
        self._client = client
        self._history_frames = history_frames
        self._history_ms = max(1, round(history_seconds * 1000))
        self._prefix = prefix
        self._script = client.register_script(PUBLISH_SCRIPT)
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, history_frames: int, history_seconds: float) -> "RedisFanOut":
        # No read timeout: the listener waits on its subscription for as long as it is quiet.
        return cls(redis_client(url, socket_timeout=None), history_frames, history_seconds)

    async def start(self, deliver: Deliver) -> None:
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.psubscribe(self._prefix + "*")
        self._listener = asyncio.create_task(
            self._listen(self._pubsub, deliver), name="realtime-fanout"
        )

    async def publish(self, channel: str, frame: dict[str, Any]) -> EventId:
        try:
            reply = await self._script(
                keys=[self._prefix + channel],
                args=[serialise(frame), self._history_frames, self._history_ms],
            )
        except (RedisError, OSError) as error:
            logger.warning("Real-time fan-out could not publish: %s", error)
            raise ServiceUnavailable("The real-time hub cannot reach Redis; try again.") from error
        return EventId.parse(reply.decode())

    async def replay(self, channel: str, after: EventId) -> Replay:
        key = self._prefix + channel
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.xrange(key, "-", "+", count=1)
            pipe.xrange(key, f"({after}", "+", count=self._history_frames)
            first, entries = await pipe.execute()
        if not first:
            return Replay()
        frames = [
            (event_id, with_event_id(fields[b"frame"].decode(), event_id))
            for event_id, fields in ((EventId.parse(i.decode()), f) for i, f in entries)
        ]
        return Replay(frames, complete=EventId.parse(first[0][0].decode()) <= after)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._client.aclose()

    async def _listen(self, pubsub: PubSub, deliver: Deliver) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    self._receive(message, deliver)
                return  # unsubscribed: closing
            except (RedisError, OSError) as error:
                # redis-py subscribes again on its next connection; frames published meanwhile
                # reach clients only when they resume from the streams.
                logger.warning("Real-time fan-out lost Redis (%s); reconnecting", error)
                await asyncio.sleep(RECONNECT_SECONDS)

    def _receive(self, message: dict[str, Any], deliver: Deliver) -> None:
        if message["type"] != "pmessage":
            return
        event_id, _, body = message["data"].decode().partition(" ")
        channel = message["channel"].decode().removeprefix(self._prefix)
        parsed = EventId.parse(event_id)
        deliver(channel, parsed, with_event_id(body, parsed))
