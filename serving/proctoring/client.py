"""The platform's one client of the proctor deployment (as ``serving.client`` is of the LLM):
open a session, answer an offer, read a session's state, close it."""

import uuid
from collections.abc import Sequence
from typing import TypeVar

import httpx
from pydantic import BaseModel

from core.errors import AppError
from proctor.ingest import InvalidOffer
from serving.proctoring.contract import OpenSession, SdpMessage, SessionPlacement, SessionState
from serving.proctoring.errors import (
    ProctorHostFull,
    ProctorSessionEnded,
    ProctorSessionNotFound,
    ProctorUnavailable,
)

Reply = TypeVar("Reply", bound=BaseModel)
REFUSALS: dict[str, type[AppError]] = {
    error.code: error
    for error in (InvalidOffer, ProctorSessionNotFound, ProctorSessionEnded, ProctorHostFull)
}


class ProctorClient:
    def __init__(self, base_url: str, timeout_seconds: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_seconds)

    async def open_session(
        self, session_id: uuid.UUID, enrolment: Sequence[float] | None
    ) -> SessionPlacement:
        body = OpenSession(
            session_id=session_id.hex, enrolment=None if enrolment is None else list(enrolment)
        )
        return await self._call("POST", "/sessions", SessionPlacement, body)

    async def offer(self, placement: SessionPlacement, sdp: str, sdp_type: str) -> SdpMessage:
        """The proctor's answer. ``InvalidOffer`` (400 ``invalid_offer``) for an offer it
        cannot use; the session is then as it was."""
        offer = SdpMessage.model_validate({"sdp": sdp, "type": sdp_type})
        return await self._call("POST", f"{_path(placement)}/offer", SdpMessage, offer)

    async def state(self, placement: SessionPlacement) -> SessionState:
        return await self._call("GET", _path(placement), SessionState)

    async def close(self, placement: SessionPlacement) -> SessionState:
        """End the session; its final state holds the final timeline."""
        return await self._call("POST", f"{_path(placement)}/close", SessionState)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(
        self, method: str, path: str, reply: type[Reply], body: BaseModel | None = None
    ) -> Reply:
        content = None if body is None else body.model_dump_json()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            response = await self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as error:
            reason = {"reason": str(error)}
            raise ProctorUnavailable("The proctor does not answer.", reason) from error
        if response.is_success:
            return reply.model_validate_json(response.content)
        raise _refusal(response)


def _path(placement: SessionPlacement) -> str:
    return f"/hosts/{placement.host}/sessions/{placement.session_id}"


def _refusal(response: httpx.Response) -> AppError:
    """The proctor's refusal as the platform's error of the same code."""
    try:
        error = response.json()["error"]
        code, message, details = error["code"], error["message"], error.get("details")
    except (ValueError, KeyError, TypeError):
        code, message, details = "", response.text[:500], None
    refusal = REFUSALS.get(code)
    if refusal is None:
        return ProctorUnavailable(
            "The proctor could not do this.", {"status": response.status_code, "reason": message}
        )
    return refusal(message, details)
