"""Tutor sessions and turns: validation, limits, the graph run, and what is recorded after it."""

import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from openai import APIError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.tutor.policy import TutorMode
from core.curriculum.models import Course
from core.errors import AppError, NotFound
from core.infra.database import Database, utcnow
from core.infra.outbox import add_event
from core.pii import scrub
from core.tracing import span
from graphs.tutor_chat.state import turn_input
from platform_api.analytics.capture import (
    TUTOR_FEEDBACK_GIVEN,
    TUTOR_TURN_COMPLETED,
    FeedbackGiven,
    TurnCompleted,
)
from platform_api.auth.models import User
from platform_api.auth.tokens import AccessClaims
from platform_api.curriculum.access import editable_course
from platform_api.tutor.limits import TutorLimits
from platform_api.tutor.memory import TutorMemory, thread_id
from platform_api.tutor.models import TutorPolicy, TutorSession
from platform_api.tutor.ports import course_mode
from platform_api.tutor.schemas import (
    SESSION_TITLE_CHARS,
    FeedbackIn,
    PolicyOut,
    SessionDetail,
    SessionOut,
    SessionPage,
    TurnOut,
)

logger = logging.getLogger(__name__)
LLM_DOWN = "The tutor's language model is not answering right now; please try again shortly."


class TutorService:
    def __init__(
        self,
        database: Database,
        memory: TutorMemory,
        graph: CompiledStateGraph[Any],
        limits: TutorLimits,
        model_name: str,
    ) -> None:
        self.database = database
        self.memory = memory
        self.graph = graph
        self.limits = limits
        self.model_name = model_name

    async def close(self) -> None:
        await self.memory.close()

    # Sessions

    async def create_session(
        self, learner_id: uuid.UUID, course_id: uuid.UUID, title: str | None
    ) -> SessionOut:
        async with self.database.session() as session, session.begin():
            course = await session.get(Course, course_id)
            if course is None:
                raise NotFound("No such course.")
            row = TutorSession(
                learner_id=learner_id,
                course_id=course_id,
                title=title or course.title[:SESSION_TITLE_CHARS],
            )
            session.add(row)
        return SessionOut.model_validate(row)

    async def list_sessions(self, learner_id: uuid.UUID, limit: int, offset: int) -> SessionPage:
        mine = TutorSession.learner_id == learner_id
        async with self.database.session() as session:
            total = await session.scalar(select(func.count()).where(mine)) or 0
            rows = await session.scalars(
                select(TutorSession)
                .where(mine)
                .order_by(TutorSession.updated_at.desc(), TutorSession.id)
                .limit(limit)
                .offset(offset)
            )
            items = [SessionOut.model_validate(row) for row in rows]
        return SessionPage(items=items, total=total, limit=limit, offset=offset)

    async def session_detail(self, learner_id: uuid.UUID, session_id: uuid.UUID) -> SessionDetail:
        row = await self._own_session(learner_id, session_id)
        values = await self._state(row)
        turns = [_turn_out(m) for m in values.get("messages", [])]
        return SessionDetail(
            **SessionOut.model_validate(row).model_dump(),
            summary=values.get("summary", ""),
            messages=turns,
        )

    async def delete_session(self, learner_id: uuid.UUID, session_id: uuid.UUID) -> None:
        row = await self._own_session(learner_id, session_id)
        await self.memory.forget(learner_id, session_id)
        async with self.database.session() as session, session.begin():
            await session.delete(await session.merge(row))
        logger.info("tutor session deleted", extra={"session_id": str(session_id)})

    # Turns

    async def accept_message(
        self, learner: AccessClaims, session_id: uuid.UUID, content: str
    ) -> "Turn":
        """Check the message can be answered now (ownership, rates); nothing is stored yet."""
        row = await self._own_session(learner.user_id, session_id)
        async with self.database.session() as session:
            course = await session.get(Course, row.course_id)
            user = await session.get(User, learner.user_id)
        if course is None or user is None:
            raise NotFound("The course of this session no longer exists.")
        self.limits.check_free(learner.user_id)
        await self.limits.admit(learner.user_id, course.curriculum_id)
        return Turn(row, uuid.uuid4(), content, identifiers=(user.display_name, user.email))

    async def run_turn(self, turn: "Turn") -> AsyncIterator[dict[str, Any]]:
        """Events of one answer: ``turn``, then ``token``/``replace`` as generated, then
        ``done``. Closing the iterator cancels the graph and with it the LLM request."""
        row = turn.session
        attributes = {"wc.session_id": str(row.id), "wc.turn_id": str(turn.turn_id)}
        # One span per turn: the root of the graph's spans over the WebSocket too, where no
        # HTTP request span exists. The generator runs to its end in the task that iterates it.
        with span("tutor.turn", attributes=attributes):
            async with self.limits.streaming(row.learner_id):
                started = time.perf_counter()
                yield {"type": "turn", "session_id": str(row.id), "turn_id": str(turn.turn_id)}
                config = _config(row)
                turn_input = turn.graph_input()
                # One checkpoint when the turn ends (also when it fails: saved as far as it
                # got), none between nodes: a write per node, four before the first token,
                # competed with the answer for the database and the CPU.
                async for event in self.graph.astream(
                    turn_input, config, stream_mode="custom", durability="exit"
                ):
                    yield event
                values = (await self.graph.aget_state(config)).values
                latency_ms = (time.perf_counter() - started) * 1000
                await self._record_turn(turn, values, latency_ms)
                yield {
                    "type": "done",
                    "turn_id": str(turn.turn_id),
                    "answer": values["answer"],
                    "citations": values["citations"],
                    "refused": values["refused"],
                    "intent": values["intent"],
                    "support": values.get("support"),
                }

    async def answer(self, turn: "Turn") -> AsyncIterator[dict[str, Any]]:
        """``run_turn``'s events, with a failure after the stream started reported as a last
        ``error`` event (``code``, ``message``): the HTTP status was sent long before."""
        try:
            async for event in self.run_turn(turn):
                yield event
        except AppError as error:  # a limit reached between accepting and streaming
            yield {"type": "error", "code": error.code, "message": error.message}
        except APIError as error:
            logger.warning(
                "tutor LLM failed", extra={"turn_id": str(turn.turn_id), "error": str(error)}
            )
            yield {"type": "error", "code": "llm_unavailable", "message": LLM_DOWN}

    async def feedback(
        self, learner_id: uuid.UUID, session_id: uuid.UUID, turn_id: uuid.UUID, body: FeedbackIn
    ) -> None:
        row = await self._own_session(learner_id, session_id)
        values = await self._state(row)
        answers = {m.id for m in values.get("messages", []) if isinstance(m, AIMessage)}
        if _answer_id(turn_id) not in answers:
            raise NotFound("No such turn in this session.")
        event = FeedbackGiven(
            feedback_id=uuid.uuid4(),
            turn_id=turn_id,
            learner_id=learner_id,
            rating=body.rating,
            comment=scrub(body.comment),
            occurred_at=datetime.now(UTC),
        )
        async with self.database.session() as session, session.begin():
            add_event(session, TUTOR_FEEDBACK_GIVEN, event.model_dump(mode="json"))

    # Course policy

    async def policy(self, course_id: uuid.UUID) -> PolicyOut:
        async with self.database.session() as session:
            if await session.get(Course, course_id) is None:
                raise NotFound("No such course.")
            return PolicyOut(course_id=course_id, mode=await course_mode(session, course_id))

    async def set_policy(
        self, actor: AccessClaims, course_id: uuid.UUID, mode: TutorMode
    ) -> PolicyOut:
        async with self.database.session() as session, session.begin():
            await editable_course(session, actor, course_id)
            await session.merge(
                TutorPolicy(
                    course_id=course_id,
                    mode=mode,
                    updated_by=actor.user_id,
                    updated_at=utcnow(),
                )
            )
        return PolicyOut(course_id=course_id, mode=mode)

    # Helpers

    async def _own_session(self, learner_id: uuid.UUID, session_id: uuid.UUID) -> TutorSession:
        """The session when it is the learner's; another learner's is "not found", not
        "forbidden", so ids cannot be probed."""
        async with self.database.session() as session:
            row = await session.get(TutorSession, session_id)
        if row is None or row.learner_id != learner_id:
            raise NotFound("No such tutor session.")
        return row

    async def _state(self, row: TutorSession) -> dict[str, Any]:
        snapshot = await self.graph.aget_state(_config(row))
        return dict(snapshot.values)

    async def _record_turn(self, turn: "Turn", values: dict[str, Any], latency_ms: float) -> None:
        """Touch the session and queue the turn for analytics, in one transaction."""
        usage = values.get("usage") or {}
        event = TurnCompleted(
            turn_id=turn.turn_id,
            session_id=turn.session.id,
            learner_id=turn.session.learner_id,
            course_id=turn.session.course_id,
            occurred_at=datetime.now(UTC),
            question=scrub(values["question"], turn.identifiers),
            answer=scrub(values["answer"], turn.identifiers),
            intent=values["intent"],
            mode=values["context"]["mode"],
            refused=values["refused"],
            retrieved_chunk_ids=[s["chunk_id"] for s in values.get("sources", [])],
            cited_lesson_ids=[c["lesson_id"] for c in values.get("citations", [])],
            latency_ms=latency_ms,
            ttft_ms=usage.get("ttft_ms", 0.0),
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            model=self.model_name,
            **_support_fields(values.get("support")),
        )
        async with self.database.session() as session, session.begin():
            await _touch(session, turn.session.id)
            add_event(session, TUTOR_TURN_COMPLETED, event.model_dump(mode="json"))


class Turn:
    """An accepted learner message, about to be answered."""

    def __init__(
        self,
        session: TutorSession,
        turn_id: uuid.UUID,
        question: str,
        identifiers: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        self.turn_id = turn_id
        self.question = question
        self.identifiers = identifiers  # the learner's name and e-mail, kept out of analytics

    def graph_input(self) -> dict[str, Any]:
        row = self.session
        return turn_input(row.id, self.turn_id, row.learner_id, row.course_id, self.question)


def _config(row: TutorSession) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id(row.learner_id, row.id)}}


def _answer_id(turn_id: uuid.UUID) -> str:
    return f"{turn_id}:answer"


def _turn_out(message: AnyMessage) -> TurnOut:
    extra = message.additional_kwargs
    role = "learner" if isinstance(message, HumanMessage) else "tutor"
    return TurnOut(
        turn_id=(message.id or "").split(":")[0],
        role=role,
        content=message.text,
        citations=extra.get("citations", []),
        refused=extra.get("refused", False),
        support=extra.get("support"),
    )


def _support_fields(support: dict[str, Any] | None) -> dict[str, Any]:
    """The answer's support as the analytics row stores it (none for fixed replies)."""
    if support is None:
        return {}
    return {
        "support_score": support["score"],
        "supported": support["supported"],
        "support_basis": support["basis"],
    }


async def _touch(session: AsyncSession, session_id: uuid.UUID) -> None:
    row = await session.get(TutorSession, session_id)
    if row is not None:
        row.updated_at = utcnow()
