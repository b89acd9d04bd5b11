"""One client socket of the hub: its identity, and a bounded queue of frames sent in order.

Frames from channels are queued without waiting; a client that falls ``queue_frames`` behind is
closed with code 1013 ("try again later") and a reason, so that it holds up neither the process
nor the other clients. Behind means for a while: frames past a full queue wait beside it (up
to ``OVERFLOW_QUEUES`` queues more) for ``BEHIND_GRACE_SECONDS``, because a process that
stalled a moment (a busy CPU) then takes a burst of channel frames from the bus in one turn of
its event loop, before any writer could run, and every one of its clients would look behind at
once. Replies to the client's own requests (tutor tokens, errors) wait for room.
While a subscription resumes, that channel's live frames are held back and sent after the missed
ones, skipping any the replay already sent.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from core.errors import AppError, NotAuthenticated
from platform_api.auth.account_state import ensure_account_open
from platform_api.auth.tokens import AccessClaims
from platform_api.realtime.errors import FrameTooLarge, UnsupportedFrame
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.frames import Auth, client_frames
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)
AUTH_TIMEOUT_SECONDS = 10.0
CLOSE_TIMEOUT_SECONDS = 10.0
BEHIND_GRACE_SECONDS = 1.0
# How many queues' worth of frames may wait past a full queue during the grace (memory bound):
# a full run's loaded test machine stalled a process long enough for bursts past one.
OVERFLOW_QUEUES = 4
POLICY_VIOLATION, INTERNAL_ERROR, TRY_AGAIN_LATER = 1008, 1011, 1013
UNSUPPORTED_DATA, MESSAGE_TOO_BIG = 1003, 1009
# The longest valid frame is a tutor message (4,000 characters, each at most a 6-character JSON
# escape) or an auth frame's token: far below this. Longer ones are refused before parsing.
MAX_FRAME_CHARACTERS = 65_536
# Before authentication a refused frame closes the connection, with the code that says why.
CLOSE_CODES: dict[type[Exception], int] = {
    UnsupportedFrame: UNSUPPORTED_DATA,
    FrameTooLarge: MESSAGE_TOO_BIG,
}


class Connection:
    def __init__(self, websocket: WebSocket, stores: Stores, queue_frames: int) -> None:
        self.id = uuid.uuid4().hex
        self.websocket = websocket
        self.stores = stores
        self.claims: AccessClaims | None = None
        self._queue: asyncio.Queue[str] = asyncio.Queue(queue_frames)
        # Channel frames past a full queue, in order, and the check of whether they drained.
        self._overflow: deque[str] = deque()
        self._judging: asyncio.TimerHandle | None = None
        self._writer = asyncio.create_task(self._write(), name="realtime-writer")
        self._reader: asyncio.Task[None] | None = None
        self._handling = False  # a frame of the client is being answered
        self._closing: asyncio.Task[None] | None = None
        self._held: dict[str, list[tuple[EventId, str]]] = {}
        self.on_overflow: list[Callable[[], None]] = []

    async def authenticate(self) -> bool:
        try:
            raw = await asyncio.wait_for(self.receive_text(), AUTH_TIMEOUT_SECONDS)
            frame = client_frames.validate_json(raw)
            if not isinstance(frame, Auth):
                raise NotAuthenticated("Send {'type': 'auth', 'token': ...} first.")
            await self.use_token(frame.token)
        except (TimeoutError, ValidationError, AppError) as error:
            reason = error.message if isinstance(error, AppError) else "Authenticate first."
            await self.websocket.close(CLOSE_CODES.get(type(error), POLICY_VIOLATION), reason)
            return False
        except WebSocketDisconnect:
            return False
        return True

    async def receive_text(self) -> str:
        """The client's next text frame; a binary or oversized one raises its own error."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        text: str | None = message.get("text")
        if text is None:
            raise UnsupportedFrame("Frames are JSON text; a binary frame is not read.")
        if len(text) > MAX_FRAME_CHARACTERS:
            raise FrameTooLarge(
                f"A frame holds at most {MAX_FRAME_CHARACTERS:,} characters.",
                {"max_characters": MAX_FRAME_CHARACTERS, "characters": len(text)},
            )
        return text

    async def use_token(self, token: str) -> None:
        claims = self.stores.token_verifier.verify(token)
        await self.ensure_open(claims)
        self.claims = claims
        await self.send({"type": "ready", "user_id": str(claims.user_id)})

    async def ensure_open(self, claims: AccessClaims) -> None:
        """Refuse a token whose account was erased or deactivated, as HTTP routes do."""
        await ensure_account_open(self.stores.cache, self.stores.database, claims.user_id)

    def current_claims(self) -> AccessClaims:
        """The connection's identity while its token is valid; re-authenticate to go on."""
        if self.claims is None or self.claims.expires_at <= time.time():
            raise NotAuthenticated("The access token expired; send a fresh 'auth' frame.")
        return self.claims

    async def serve(self, handle: Callable[[str], Awaitable[None]]) -> None:
        """Handle the client's frames until it leaves or is closed for falling behind."""
        self._reader = asyncio.create_task(self._read(handle), name="realtime-reader")
        await asyncio.wait([self._reader])

    async def finish(self) -> None:
        """Stop sending; wait a while for a close frame in progress (it goes out only once the
        client reads again: one that never does is left to the server's keepalive)."""
        self._writer.cancel()
        self._stop_judging()
        await asyncio.gather(self._writer, return_exceptions=True)
        if self._closing is not None:
            await asyncio.wait([self._closing], timeout=CLOSE_TIMEOUT_SECONDS)
            self._closing.cancel()

    async def send(self, frame: dict[str, Any]) -> None:
        """Queue a reply to the client, waiting for room."""
        await self.send_text(json.dumps(frame, separators=(",", ":")))

    async def send_text(self, text: str) -> None:
        if self._closing is None:
            await self._queue.put(text)

    async def error(
        self, request_id: str | None, code: str, message: str, details: Any = None
    ) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if request_id is not None:
            frame["request_id"] = request_id
        if details is not None:
            frame["details"] = details
        await self.send(frame)

    def receive(self, channel: str, event_id: EventId, text: str) -> None:
        held = self._held.get(channel)
        if held is not None:
            held.append((event_id, text))
        else:
            self._push(text)

    def hold(self, channel: str) -> None:
        """Keep the channel's live frames back until ``release`` (while a replay is sent)."""
        self._held[channel] = []

    def release(self, channel: str, after: EventId | None) -> None:
        """Queue the frames held back, except those up to ``after`` (sent by the replay)."""
        for event_id, text in self._held.pop(channel, []):
            if after is None or event_id > after:
                self._push(text)

    def _push(self, text: str) -> None:
        if self._closing is not None:
            return
        if not self._overflow and not self._queue.full():
            self._queue.put_nowait(text)
            return
        if len(self._overflow) >= OVERFLOW_QUEUES * self._queue.maxsize:
            self._close_behind()
            return
        self._overflow.append(text)
        if self._judging is None:
            loop = asyncio.get_running_loop()
            self._judging = loop.call_later(BEHIND_GRACE_SECONDS, self._judge)

    def _judge(self) -> None:
        """Close the client if frames still wait past its full queue after the grace."""
        self._judging = None
        if self._overflow and self._closing is None:
            self._close_behind()

    def _stop_judging(self) -> None:
        if self._judging is not None:
            self._judging.cancel()
            self._judging = None

    def _refill(self) -> None:
        """Move frames waiting past the queue into the room the writer just made."""
        while self._overflow and not self._queue.full():
            self._queue.put_nowait(self._overflow.popleft())

    def _close_behind(self) -> None:
        logger.info("closing a WebSocket that fell behind", extra={"connection": self.id})
        reason = f"Too slow: {self._queue.maxsize} frames waiting; reconnect and resume."
        self._closing = asyncio.create_task(self._close(TRY_AGAIN_LATER, reason))
        self._writer.cancel()
        self._stop_judging()
        self._overflow.clear()
        # A request in progress (a post being stored) finishes first; reading then stops.
        if self._reader is not None and not self._handling:
            self._reader.cancel()
        for hook in self.on_overflow:
            hook()

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await self.websocket.close(code, reason)

    async def _read(self, handle: Callable[[str], Awaitable[None]]) -> None:
        try:
            while self._closing is None:
                try:
                    raw = await self.receive_text()
                except (UnsupportedFrame, FrameTooLarge) as refused:  # the next one may be fine
                    await self.error(None, refused.code, refused.message, refused.details)
                    continue
                self._handling = True
                try:
                    await handle(raw)
                finally:
                    self._handling = False
        except WebSocketDisconnect:
            pass
        except Exception:
            logger.exception("the hub failed on a frame", extra={"connection": self.id})
            if self._closing is None:
                self._closing = asyncio.create_task(self._close(INTERNAL_ERROR, "Internal error."))

    async def _write(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                await self.websocket.send_text(await self._queue.get())
                self._refill()
