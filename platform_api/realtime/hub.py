"""The WebSocket hub, ``/api/v1/ws``: one connection per client for everything real-time.

Protocol (JSON text frames). The first frame authenticates: ``{"type": "auth", "token": ...}``
with an access token, answered by ``{"type": "ready", "user_id": ...}``; a connection that does
not authenticate in time is closed with code 1008. Then, any number of times:

- ``{"type": "tutor.send", "request_id", "session_id", "content"}`` asks the tutor; the answer
  comes back as ``tutor.turn``, ``tutor.token``, ``tutor.replace`` and ``tutor.done`` frames
  (the SSE events of ``POST /api/v1/tutor/sessions/{id}/messages``) carrying the request id;
- ``{"type": "tutor.cancel", "request_id"}`` stops that answer (``tutor.cancelled``);
- ``{"type": "subscribe", "channel", "last_event_id"?}`` follows ``class:<id>`` (a class's chat
  and presence; its teacher and enrolled learners only) or ``user:<your id>`` (your grades,
  notifications and content jobs). The answer is ``subscribed`` (for a class with ``online``,
  the members online, and ``heartbeat_seconds``); with a last event id it also says how many
  frames were ``missed`` and whether that is ``complete``, and those frames follow it.
  ``unsubscribe`` stops following (``unsubscribed``);
- ``{"type": "heartbeat"}`` every ``heartbeat_seconds`` keeps you online in your classes;
- ``{"type": "chat.send", "request_id", "class_id", "text"}`` posts to a class's chat
  (answered by ``chat.sent``; refused with ``message_blocked`` by the safety screen);
- ``{"type": "auth", "token"}`` again swaps in a fresh token before the old one expires.

Frames pushed on channels (``chat.message``, ``presence``, ``grade.released``,
``notification``, ``content.job.progress``, ``content.job``) carry ``channel`` and an
``event_id``. Problems are ``{"type": "error", "request_id"?, "code", "message", "details"?}``
frames with the same codes as the HTTP API; the connection stays open: ``validation_error`` for a
frame that is not JSON or not a known frame, ``unsupported_frame`` for a binary frame,
``frame_too_large`` past 64 KiB. Before authentication the connection is closed instead: 1008, or
1003 for a binary frame and 1009 for an oversized one. A client too slow to take its frames is
closed with code 1013 and a reason. Closing a connection stops every answer in
flight.
"""

import json

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError

from core.errors import AppError
from platform_api.realtime.connection import Connection
from platform_api.realtime.frames import (
    Auth,
    ChatSend,
    ClientFrameType,
    Heartbeat,
    Subscribe,
    TutorCancel,
    TutorSend,
    Unsubscribe,
    client_frames,
)
from platform_api.realtime.runtime import Realtime
from platform_api.realtime.subscriptions import Subscriptions
from platform_api.realtime.tutor_answers import TutorAnswers
from platform_api.wiring import Stores

router = APIRouter()


@router.websocket("/api/v1/ws")
async def hub(websocket: WebSocket) -> None:
    await websocket.accept()
    realtime: Realtime = websocket.app.state.realtime
    stores: Stores = websocket.app.state.stores
    connection = Connection(websocket, stores, realtime.settings.realtime_send_queue_frames)
    if not await connection.authenticate():
        await connection.finish()
        return
    dispatcher = Dispatcher(
        connection,
        TutorAnswers(connection, websocket.app.state.tutor),
        Subscriptions(connection, realtime, stores.database),
    )
    try:
        await connection.serve(dispatcher.handle)
    finally:
        await dispatcher.close()
        await connection.finish()


class Dispatcher:
    """Routes each client frame to the part of the hub that answers it."""

    def __init__(
        self, connection: Connection, tutor: TutorAnswers, subscriptions: Subscriptions
    ) -> None:
        self.connection = connection
        self.tutor = tutor
        self.subscriptions = subscriptions

    async def handle(self, raw: str) -> None:
        try:
            frame = client_frames.validate_json(raw)
        except ValidationError as error:
            await self._invalid(raw, error)
            return
        try:
            await self._answer(frame)
        except AppError as error:
            request_id = getattr(frame, "request_id", None)
            await self.connection.error(request_id, error.code, error.message, error.details)

    async def close(self) -> None:
        await self.tutor.close()
        await self.subscriptions.close()

    async def _answer(self, frame: ClientFrameType) -> None:
        match frame:
            case Auth():
                await self.connection.use_token(frame.token)
            case TutorSend():
                await self.tutor.start(frame)
            case TutorCancel():
                await self.tutor.cancel(frame.request_id)
            case Subscribe():
                await self.subscriptions.subscribe(frame)
            case Unsubscribe():
                await self.subscriptions.unsubscribe(frame)
            case Heartbeat():
                await self.subscriptions.heartbeat()
            case ChatSend():
                await self.subscriptions.chat_send(frame)

    async def _invalid(self, raw: str, error: ValidationError) -> None:
        """A validation error, naming the first problem, with the frame's request id if any."""
        details = error.errors(include_url=False, include_input=False, include_context=False)
        first = details[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or "frame"
        await self.connection.error(
            _request_id_of(raw), "validation_error", f"Invalid {where}: {first['msg']}.", details
        )


def _request_id_of(raw: str) -> str | None:
    try:
        request_id = json.loads(raw).get("request_id")
    except (ValueError, AttributeError, RecursionError):  # not JSON, not an object, too deep
        return None
    return request_id if isinstance(request_id, str) and len(request_id) <= 64 else None
