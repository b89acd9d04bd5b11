"""Tutor turns and feedback, captured from the event bus into ClickHouse.

The tutor publishes through the outbox::

    add_event(session, TUTOR_TURN_COMPLETED, TurnCompleted(...).model_dump(mode="json"))

and the ``analytics.capture`` consumer validates each payload, scrubs personal data from its free
text once more (the producer should have already) and inserts one row. Delivery is at least once;
the tables collapse a redelivered event by its id (see ``infra.analytics.schema``), so the handler
needs no processed-event mark. The same consumer erases a learner's rows on ``user.erased``, so
the erasure runs after every turn of theirs that was queued before it.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import TUTOR_FEEDBACK, TUTOR_TURNS
from core.infra.bus import Event, EventBus
from core.pii import scrub
from platform_api.analytics.service import erase_learner
from platform_api.users.service import USER_ERASED

TUTOR_TURN_COMPLETED = "tutor.turn_completed"
TUTOR_FEEDBACK_GIVEN = "tutor.feedback_given"
CONSUMER = "analytics.capture"

Milliseconds = Annotated[float, Field(ge=0)]
TokenCount = Annotated[int, Field(ge=0, le=2**32 - 1)]


class TurnCompleted(BaseModel):
    """One tutor answer (or refusal) to one learner question."""

    turn_id: uuid.UUID
    session_id: uuid.UUID
    learner_id: uuid.UUID
    course_id: uuid.UUID
    occurred_at: AwareDatetime
    question: str
    answer: str
    intent: str
    mode: str
    refused: bool
    retrieved_chunk_ids: list[uuid.UUID] = []
    cited_lesson_ids: list[uuid.UUID] = []
    latency_ms: Milliseconds
    ttft_ms: Milliseconds = Field(description="Time to the first streamed token.")
    prompt_tokens: TokenCount
    completion_tokens: TokenCount
    model: str
    support_score: float | None = Field(
        None, ge=0, le=1, description="How well the course material supports the answer."
    )
    supported: bool | None = None
    support_basis: Literal["options", "answer"] | None = None


class FeedbackGiven(BaseModel):
    """A learner's thumbs up or down on one tutor turn."""

    feedback_id: uuid.UUID
    turn_id: uuid.UUID
    learner_id: uuid.UUID
    rating: Literal["up", "down"]
    comment: str = ""
    occurred_at: AwareDatetime


async def subscribe_capture(bus: EventBus, analytics: AnalyticsStore) -> None:
    handlers: dict[str, Callable[[AnalyticsStore, dict[str, Any]], Awaitable[None]]] = {
        TUTOR_TURN_COMPLETED: _capture_turn,
        TUTOR_FEEDBACK_GIVEN: _capture_feedback,
        USER_ERASED: _erase_user,
    }

    async def capture(event: Event) -> None:
        await handlers[event.type](analytics, event.payload)

    await bus.subscribe(CONSUMER, list(handlers), capture)


async def _capture_turn(analytics: AnalyticsStore, payload: dict[str, Any]) -> None:
    turn = TurnCompleted.model_validate(payload)
    row = turn.model_dump() | {"question": scrub(turn.question), "answer": scrub(turn.answer)}
    await analytics.insert(TUTOR_TURNS, [row])


async def _capture_feedback(analytics: AnalyticsStore, payload: dict[str, Any]) -> None:
    feedback = FeedbackGiven.model_validate(payload)
    row = feedback.model_dump() | {"comment": scrub(feedback.comment)}
    await analytics.insert(TUTOR_FEEDBACK, [row])


async def _erase_user(analytics: AnalyticsStore, payload: dict[str, Any]) -> None:
    await erase_learner(analytics, uuid.UUID(payload["user_id"]))
