"""HTTP endpoints of the tutor (``/api/v1/tutor``) and each course's tutor policy."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from platform_api.auth.permissions import Principal, Staff
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.tutor.schemas import (
    FeedbackIn,
    MessageIn,
    PolicyIn,
    PolicyOut,
    SessionDetail,
    SessionIn,
    SessionOut,
    SessionPage,
    sse_example,
)
from platform_api.tutor.service import Turn, TutorService

# Comment lines keep proxies from closing a quiet stream while the first token is computed.
PING_SECONDS = 15


def get_tutor(request: Request) -> TutorService:
    tutor: TutorService = request.app.state.tutor
    return tutor


Tutor = Annotated[TutorService, Depends(get_tutor)]

router = APIRouter(prefix="/api/v1", tags=["tutor"], responses=responses(401, 422, 429))


@router.post(
    "/tutor/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Start a conversation with the tutor about a course",
    responses=responses(404),
)
async def create_session(body: SessionIn, tutor: Tutor, actor: Principal) -> SessionOut:
    return await tutor.create_session(actor.user_id, body.course_id, body.title)


@router.get("/tutor/sessions", response_model=SessionPage, summary="Your tutor conversations")
async def list_sessions(
    tutor: Tutor,
    actor: Principal,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SessionPage:
    return await tutor.list_sessions(actor.user_id, limit, offset)


@router.get(
    "/tutor/sessions/{session_id}",
    response_model=SessionDetail,
    summary="One of your conversations with its messages, to resume it",
    responses=responses(404),
)
async def get_session(session_id: uuid.UUID, tutor: Tutor, actor: Principal) -> SessionDetail:
    return await tutor.session_detail(actor.user_id, session_id)


@router.delete(
    "/tutor/sessions/{session_id}",
    status_code=204,
    summary="Delete one of your conversations and everything the tutor remembers of it",
    responses=responses(404),
)
async def delete_session(session_id: uuid.UUID, tutor: Tutor, actor: Principal) -> None:
    await tutor.delete_session(actor.user_id, session_id)


@router.post(
    "/tutor/sessions/{session_id}/messages",
    summary="Ask the tutor; the answer streams back as Server-Sent Events",
    description=(
        "Events: `turn` (ids), `token` (`text` to append), `replace` (`text` replacing what "
        "was shown: the tutor withdrew an answer), `done` (the final `answer`, `citations`, "
        "`refused`, `intent`, and `support`: how well the course material backs the answer, "
        "null for refusals), or `error` (`code`, `message`). Closing the connection stops "
        "the generation."
    ),
    response_class=EventSourceResponse,
    responses={200: {"content": sse_example()}, **responses(404)},
)
async def send_message(
    session_id: uuid.UUID, body: MessageIn, tutor: Tutor, actor: Principal
) -> EventSourceResponse:
    turn = await tutor.accept_message(actor, session_id, body.content)
    return EventSourceResponse(stream_events(tutor, turn), ping=PING_SECONDS)


@router.post(
    "/tutor/sessions/{session_id}/turns/{turn_id}/feedback",
    status_code=202,
    summary="Thumbs up or down on one tutor answer, with an optional comment",
    responses=responses(404),
)
async def give_feedback(
    session_id: uuid.UUID, turn_id: uuid.UUID, body: FeedbackIn, tutor: Tutor, actor: Principal
) -> None:
    await tutor.feedback(actor.user_id, session_id, turn_id, body)


@router.get(
    "/courses/{course_id}/tutor-policy",
    response_model=PolicyOut,
    summary="How the tutor teaches this course",
    responses=responses(404),
)
async def get_policy(course_id: uuid.UUID, tutor: Tutor, _: Principal) -> PolicyOut:
    return await tutor.policy(course_id)


@router.put(
    "/courses/{course_id}/tutor-policy",
    response_model=PolicyOut,
    summary="Set how the tutor teaches this course (Socratic or explain)",
    responses=responses(403, 404),
)
async def set_policy(course_id: uuid.UUID, body: PolicyIn, tutor: Tutor, actor: Staff) -> PolicyOut:
    return await tutor.set_policy(actor, course_id, body.mode)


async def stream_events(tutor: TutorService, turn: Turn) -> AsyncIterator[ServerSentEvent]:
    """The turn's events as SSE; the client going away cancels the graph and the LLM request.

    sse-starlette stops this generator through an anyio cancel scope, which cancels every await
    again, including the graph's own clean-up: the node holding the LLM stream would be left
    running to its end. The answer therefore runs in a task of its own, stopped by one plain
    ``Task.cancel()``.
    """
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for event in tutor.answer(turn):
                queue.put_nowait(event)
        finally:
            queue.put_nowait(None)

    producer = asyncio.create_task(produce())
    try:
        while (event := await queue.get()) is not None:
            yield _sse(event)
        await producer  # its error, if any
    finally:
        producer.cancel()


def _sse(event: dict[str, Any]) -> ServerSentEvent:
    kind = event.pop("type")
    return ServerSentEvent(data=json.dumps(event), event=kind)
