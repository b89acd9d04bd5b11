"""The ``progress.statements`` consumer: learning events from the bus become xAPI-shaped
statements in ClickHouse, and each stored statement has the learner's badges evaluated.

Sources: lesson viewed/completed (this domain), graded answers, submitted and graded sittings
(assessments), tutor turns (tutor), badges awarded (this domain). Storing is idempotent by the
statement's derived id; the badge evaluation runs once per event (``outbox.idempotent``). The same
consumer erases a learner's statements on ``user.erased``, after every statement of theirs that
was queued before it.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.analytics import AnalyticsStore
from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.outbox import idempotent
from platform_api.analytics.capture import TUTOR_TURN_COMPLETED, TurnCompleted
from platform_api.assessments.events import (
    ANSWER_GRADED,
    ASSESSMENT_GRADED,
    SITTING_SUBMITTED,
    AnswerGraded,
    AssessmentGraded,
    SittingSubmitted,
)
from platform_api.progress.badges import award_badges, badge_rules
from platform_api.progress.events import (
    BADGE_AWARDED,
    LESSON_COMPLETED,
    LESSON_VIEWED,
    BadgeAwarded,
    LessonProgressed,
)
from platform_api.progress.statements import (
    Row,
    erase_statements,
    statement_id,
    store_statement,
)
from platform_api.users.service import USER_ERASED

CONSUMER = "progress.statements"
BADGE_CONSUMER = "progress.badges"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _row(statement: uuid.UUID, learner: uuid.UUID, at: datetime, verb: str, **fields: Any) -> Row:
    return {
        # An outbox event's id may be asyncpg's own UUID type, which the JSON encoder refuses.
        "statement_id": uuid.UUID(str(statement)),
        "learner_id": learner,
        "timestamp": at,
        "verb": verb,
        "object_name": "",
        "revision": 0,
        **fields,
    }


def _lesson(event: Event) -> Row:
    lesson = LessonProgressed.model_validate(event.payload)
    verb = "viewed" if event.type == LESSON_VIEWED else "completed"
    return _row(
        event.id,
        lesson.learner_id,
        lesson.occurred_at,
        verb,
        object_type="lesson",
        object_id=str(lesson.lesson_id),
        object_name=lesson.lesson_title,
        course_id=lesson.course_id,
    )


def _answer(event: Event) -> Row:
    graded = AnswerGraded.model_validate(event.payload)
    # One statement per response; a regrade revises it (a higher grade_version wins).
    return _row(
        statement_id("answered", graded.response_id),
        graded.learner_id,
        graded.answered_at,
        "answered",
        object_type="item",
        object_id=str(graded.item_id),
        course_id=graded.course_id,
        assignment_id=graded.assignment_id,
        sitting_id=graded.sitting_id,
        objective_id=graded.objective_id,
        success=graded.correct,
        score_raw=graded.points,
        score_max=graded.max_points,
        duration_ms=graded.time_spent_ms,
        revision=graded.grade_version,
    )


def _submitted(event: Event) -> Row:
    sitting = SittingSubmitted.model_validate(event.payload)
    return _row(
        statement_id("submitted", sitting.sitting_id, _millis(sitting.submitted_at)),
        sitting.learner_id,
        sitting.submitted_at,
        "submitted",
        object_type="assignment",
        object_id=str(sitting.assignment_id),
        course_id=sitting.course_id,
        assignment_id=sitting.assignment_id,
        sitting_id=sitting.sitting_id,
    )


def _scored(event: Event) -> Row:
    graded = AssessmentGraded.model_validate(event.payload)
    # Each grade of a sitting (a later override gives another) is a statement of its own.
    return _row(
        statement_id("scored", graded.sitting_id, _millis(graded.graded_at)),
        graded.learner_id,
        graded.graded_at,
        "scored",
        object_type="assignment",
        object_id=str(graded.assignment_id),
        object_name=graded.assignment_title,
        course_id=graded.course_id,
        class_id=graded.class_id,
        assignment_id=graded.assignment_id,
        sitting_id=graded.sitting_id,
        score_raw=graded.score,
        score_max=graded.max_score,
        success=None,
    )


def _asked(event: Event) -> Row:
    turn = TurnCompleted.model_validate(event.payload)
    return _row(
        turn.turn_id,
        turn.learner_id,
        turn.occurred_at,
        "asked",
        object_type="tutor_session",
        object_id=str(turn.session_id),
        course_id=turn.course_id,
        duration_ms=round(turn.latency_ms),
    )


def _earned(event: Event) -> Row:
    badge = BadgeAwarded.model_validate(event.payload)
    return _row(
        statement_id("earned", badge.learner_id, badge.badge),
        badge.learner_id,
        badge.awarded_at,
        "earned",
        object_type="badge",
        object_id=badge.badge,
        object_name=badge.title,
    )


STATEMENT_OF: dict[str, Callable[[Event], Row]] = {
    LESSON_VIEWED: _lesson,
    LESSON_COMPLETED: _lesson,
    ANSWER_GRADED: _answer,
    SITTING_SUBMITTED: _submitted,
    ASSESSMENT_GRADED: _scored,
    TUTOR_TURN_COMPLETED: _asked,
    BADGE_AWARDED: _earned,
}


def statement_row(event: Event) -> Row:
    """The statement an event stands for; raises ``ValidationError`` on a malformed payload."""
    return STATEMENT_OF[event.type](event)


async def subscribe_statements(
    bus: EventBus, database: Database, analytics: AnalyticsStore
) -> None:
    badge_rules()  # a malformed rule file fails the start, not every statement

    async def evaluate(session: AsyncSession, event: Event) -> None:
        row = statement_row(event)
        await award_badges(session, analytics, row["learner_id"], row["verb"])

    evaluate_once = idempotent(database, BADGE_CONSUMER, evaluate)

    async def capture(event: Event) -> None:
        if event.type == USER_ERASED:
            await erase_statements(analytics, uuid.UUID(event.payload["user_id"]))
            return
        await store_statement(analytics, statement_row(event))
        await evaluate_once(event)

    await bus.subscribe(CONSUMER, [*STATEMENT_OF, USER_ERASED], capture)
