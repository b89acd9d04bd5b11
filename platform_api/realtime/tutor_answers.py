"""The tutor over the hub: answers a connection has in flight, streamed back as frames."""

import asyncio
import logging

from core.errors import AppError
from platform_api.realtime.connection import Connection
from platform_api.realtime.frames import TutorSend
from platform_api.tutor.service import Turn, TutorService

logger = logging.getLogger(__name__)


class TutorAnswers:
    def __init__(self, connection: Connection, tutor: TutorService) -> None:
        self.connection = connection
        self.tutor = tutor
        self.answers: dict[str, asyncio.Task[None]] = {}

    async def start(self, frame: TutorSend) -> None:
        if frame.request_id in self.answers:
            raise AppError("That request id is already answering.")
        claims = self.connection.current_claims()
        await self.connection.ensure_open(claims)
        turn = await self.tutor.accept_message(claims, frame.session_id, frame.content)
        self.answers[frame.request_id] = asyncio.create_task(self._stream(frame.request_id, turn))

    async def cancel(self, request_id: str) -> None:
        task = self.answers.get(request_id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.connection.send({"type": "tutor.cancelled", "request_id": request_id})

    async def close(self) -> None:
        """Stop every answer in flight (the connection is gone)."""
        for task in self.answers.values():
            task.cancel()
        await asyncio.gather(*self.answers.values(), return_exceptions=True)

    async def _stream(self, request_id: str, turn: Turn) -> None:
        try:
            async for event in self.tutor.answer(turn):
                kind = event.pop("type")
                name = "error" if kind == "error" else f"tutor.{kind}"
                await self.connection.send({"type": name, "request_id": request_id, **event})
        except Exception:
            logger.exception("tutor answer failed on the WebSocket", extra={"request": request_id})
            await self.connection.error(
                request_id, "internal_error", "The tutor failed on this message."
            )
        finally:
            self.answers.pop(request_id, None)
