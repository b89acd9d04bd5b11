"""The WebSocket hub, ``/api/v1/ws``: one connection per client for everything real-time.

Protocol (JSON text frames). The first frame authenticates: ``{"type": "auth", "token": ...}``
with an access token, answered by ``{"type": "ready", "user_id": ...}``; a connection that does
not authenticate in time is closed with code 1008. Then, any number of times:

- ``{"type": "tutor.send", "request_id", "session_id", "content"}`` asks the tutor; the answer
  comes back as ``tutor.turn``, ``tutor.token``, ``tutor.replace`` and ``tutor.done`` frames
  (the SSE events of ``POST /api/v1/tutor/sessions/{id}/messages``) carrying the request id;
- ``{"type": "tutor.cancel", "request_id"}`` stops that answer (``tutor.cancelled``);
- ``{"type": "auth", "token"}`` again swaps in a fresh token before the old one expires.

Problems are ``{"type": "error", "request_id"?, "code", "message", "details"?}`` frames with the
same codes as the HTTP API; the connection stays open. Closing it stops every answer in flight.
"""

import asyncio
import logging
import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from core.errors import AppError, NotAuthenticated
from platform_api.auth.account_state import ensure_account_open
from platform_api.auth.tokens import AccessClaims
from platform_api.tutor.schemas import MessageText
from platform_api.tutor.service import Turn, TutorService
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)
router = APIRouter()
AUTH_TIMEOUT_SECONDS = 10.0
POLICY_VIOLATION = 1008
RequestId = Annotated[str, Field(min_length=1, max_length=64)]


class Auth(BaseModel):
    type: Literal["auth"]
    token: str


class TutorSend(BaseModel):
    type: Literal["tutor.send"]
    request_id: RequestId
    session_id: uuid.UUID
    content: MessageText


class TutorCancel(BaseModel):
    type: Literal["tutor.cancel"]
    request_id: RequestId


ClientFrame = Annotated[Auth | TutorSend | TutorCancel, Field(discriminator="type")]
client_frames: TypeAdapter[Auth | TutorSend | TutorCancel] = TypeAdapter(ClientFrame)


@router.websocket("/api/v1/ws")
async def hub(websocket: WebSocket) -> None:
    await websocket.accept()
    stores: Stores = websocket.app.state.stores
    connection = Connection(websocket, stores, websocket.app.state.tutor)
    if await connection.authenticate():
        await connection.serve()


class Connection:
    """One authenticated client and the tutor answers it has in flight."""

    def __init__(self, websocket: WebSocket, stores: Stores, tutor: TutorService) -> None:
        self.websocket = websocket
        self.stores = stores
        self.tutor = tutor
        self.claims: AccessClaims | None = None
        self.answers: dict[str, asyncio.Task[None]] = {}
        self._sending = asyncio.Lock()  # frames of concurrent answers must not interleave

    async def authenticate(self) -> bool:
        try:
            raw = await asyncio.wait_for(self.websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
            frame = client_frames.validate_json(raw)
            if not isinstance(frame, Auth):
                raise NotAuthenticated("Send {'type': 'auth', 'token': ...} first.")
            await self.use_token(frame.token)
        except (TimeoutError, ValidationError, AppError) as error:
            reason = error.message if isinstance(error, AppError) else "Authenticate first."
            await self.websocket.close(POLICY_VIOLATION, reason)
            return False
        except WebSocketDisconnect:
            return False
        return True

    async def use_token(self, token: str) -> None:
        claims = self.stores.token_verifier.verify(token)
        await self.ensure_open(claims)
        self.claims = claims
        await self.send({"type": "ready", "user_id": str(self.claims.user_id)})

    async def serve(self) -> None:
        try:
            while True:
                await self.handle(await self.websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            for task in self.answers.values():
                task.cancel()
            await asyncio.gather(*self.answers.values(), return_exceptions=True)

    async def handle(self, raw: str) -> None:
        try:
            frame = client_frames.validate_json(raw)
        except ValidationError as error:
            details = error.errors(include_url=False, include_input=False, include_context=False)
            await self.error(None, "validation_error", "Unreadable frame.", details)
            return
        request_id = getattr(frame, "request_id", None)
        try:
            if isinstance(frame, Auth):
                await self.use_token(frame.token)
            elif isinstance(frame, TutorSend):
                await self.start_answer(frame)
            else:
                await self.cancel_answer(frame.request_id)
        except AppError as error:
            await self.error(request_id, error.code, error.message, error.details)

    async def start_answer(self, frame: TutorSend) -> None:
        if frame.request_id in self.answers:
            raise AppError("That request id is already answering.")
        claims = self.current_claims()
        await self.ensure_open(claims)
        turn = await self.tutor.accept_message(claims, frame.session_id, frame.content)
        self.answers[frame.request_id] = asyncio.create_task(self.stream(frame.request_id, turn))

    async def stream(self, request_id: str, turn: Turn) -> None:
        try:
            async for event in self.tutor.answer(turn):
                kind = event.pop("type")
                name = "error" if kind == "error" else f"tutor.{kind}"
                await self.send({"type": name, "request_id": request_id, **event})
        except Exception:
            logger.exception("tutor answer failed on the WebSocket", extra={"request": request_id})
            await self.error(request_id, "internal_error", "The tutor failed on this message.")
        finally:
            self.answers.pop(request_id, None)

    async def cancel_answer(self, request_id: str) -> None:
        task = self.answers.get(request_id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.send({"type": "tutor.cancelled", "request_id": request_id})

    async def ensure_open(self, claims: AccessClaims) -> None:
        """Refuse a token whose account was erased or deactivated, as HTTP routes do."""
        await ensure_account_open(self.stores.cache, self.stores.database, claims.user_id)

    def current_claims(self) -> AccessClaims:
        """The connection's identity while its token is valid; re-authenticate to go on."""
        if self.claims is None or self.claims.expires_at <= time.time():
            raise NotAuthenticated("The access token expired; send a fresh 'auth' frame.")
        return self.claims

    async def error(
        self, request_id: str | None, code: str, message: str, details: Any = None
    ) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if request_id is not None:
            frame["request_id"] = request_id
        if details is not None:
            frame["details"] = details
        await self.send(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._sending:
            await self.websocket.send_json(frame)
