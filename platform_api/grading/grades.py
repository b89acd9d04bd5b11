"""Writing grades: a revision per grade, its event, and the sitting's aggregate when complete.

Lock order everywhere: the sitting row first, then its responses. That serialises the saga's
steps and teachers' overrides on one sitting, so the "all graded?" check and the publication of
``assessment.graded`` cannot race.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem
from core.infra.database import utcnow
from platform_api.assessments.events import (
    ANSWER_GRADED,
    ASSESSMENT_GRADED,
    AnswerGraded,
    AssessmentGraded,
    record,
)
from platform_api.assessments.models import (
    Assignment,
    AssignmentItem,
    ExamSitting,
    GradeRevision,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.auth.models import User
from platform_api.grading.models import SittingGrade
from platform_api.mastery.objectives import objective_of
from platform_api.notifications.service import notify

logger = logging.getLogger(__name__)

# An answer counts as correct (for mastery and analytics) from half of its points on.
CORRECT_SHARE = 0.5
NOTIFICATION_KIND = "assessment_graded"


@dataclass(frozen=True)
class Grade:
    """A grade about to be written, from whichever source."""

    source: GradeSource
    points: float
    status: GradingStatus
    justification: str = ""
    rubric_scores: list[dict[str, Any]] = field(default_factory=list)
    confidence: float | None = None
    model_name: str | None = None
    graded_by: uuid.UUID | None = None
    reason: str = ""
    correct: bool | None = None


async def lock_sitting(session: AsyncSession, sitting_id: uuid.UUID) -> ExamSitting | None:
    return await session.scalar(
        select(ExamSitting).where(ExamSitting.id == sitting_id).with_for_update()
    )


async def lock_response(session: AsyncSession, response_id: uuid.UUID) -> Response | None:
    return await session.scalar(
        select(Response).where(Response.id == response_id).with_for_update()
    )


async def write_grade(
    session: AsyncSession, sitting: ExamSitting, response: Response, grade: Grade
) -> GradeRevision:
    """The response's next revision; ``answer_graded`` when the grade is final (not queued)."""
    now = utcnow()
    points = max(0.0, min(grade.points, response.max_points))
    correct = grade.correct if grade.correct is not None else _correct(points, response)
    revision = GradeRevision(
        id=uuid.uuid4(),
        response_id=response.id,
        version=response.grade_version + 1,
        source=grade.source,
        points=points,
        max_points=response.max_points,
        rubric_scores=grade.rubric_scores,
        justification=grade.justification,
        confidence=grade.confidence,
        model_name=grade.model_name,
        graded_by=grade.graded_by,
        reason=grade.reason,
        created_at=now,
    )
    session.add(revision)
    response.grade_version = revision.version
    response.points, response.correct, response.graded_by = points, correct, grade.source
    response.grading_status, response.graded_at = grade.status, now
    if grade.status is GradingStatus.GRADED:
        await _record_answer_graded(session, sitting, response)
    return revision


def _correct(points: float, response: Response) -> bool:
    return points >= CORRECT_SHARE * response.max_points


async def objective_id(session: AsyncSession, item_id: uuid.UUID) -> uuid.UUID | None:
    """The objective the answered item assesses (see ``mastery.objectives.objective_of``)."""
    item = await session.get(AssessmentItem, item_id)
    objective = None if item is None else await objective_of(session, item)
    return None if objective is None else objective.id


async def _record_answer_graded(
    session: AsyncSession, sitting: ExamSitting, response: Response
) -> None:
    if sitting.assignment_id is None:
        logger.warning("Sitting %s has no assignment: answer_graded not published", sitting.id)
        return
    assert response.graded_at is not None and response.correct is not None
    payload = AnswerGraded(
        response_id=response.id,
        sitting_id=sitting.id,
        assignment_id=sitting.assignment_id,
        learner_id=sitting.learner_id,
        course_id=sitting.course_id,
        item_id=response.item_id,
        item_version=response.item_version,
        objective_id=await objective_id(session, response.item_id),
        grade_version=response.grade_version,
        points=response.points or 0.0,
        max_points=response.max_points,
        correct=response.correct,
        source=(response.graded_by or GradeSource.RULE).value,
        answered_at=response.answered_at,
        graded_at=response.graded_at,
        time_spent_ms=response.time_spent_ms,
    )
    record(session, ANSWER_GRADED, payload)


def sitting_status(statuses: list[GradingStatus]) -> SittingStatus:
    """A delayed step shows first (an operator must act), then work still under way."""
    if GradingStatus.DELAYED in statuses:
        return SittingStatus.GRADING_DELAYED
    if GradingStatus.PENDING in statuses:
        return SittingStatus.GRADING
    if GradingStatus.NEEDS_REVIEW in statuses:
        return SittingStatus.NEEDS_REVIEW
    return SittingStatus.GRADED


async def settle_sitting(
    session: AsyncSession, sitting: ExamSitting, *, revised: bool = False
) -> int | None:
    """Set the sitting's status from its responses; when all are graded, publish its grade.

    The saga publishes version 1 once (a redelivered step finds it and publishes nothing); a
    teacher's revision (``revised``) of a complete sitting publishes the next version. Returns
    the version published, if any. The caller holds the sitting's lock.
    """
    responses = list(
        await session.scalars(select(Response).where(Response.sitting_id == sitting.id))
    )
    sitting.status = sitting_status([r.grading_status for r in responses])
    if sitting.status is not SittingStatus.GRADED:
        return None
    last = await session.scalar(
        select(func.max(SittingGrade.version)).where(SittingGrade.sitting_id == sitting.id)
    )
    if last is not None and not revised:
        return None
    version = (last or 0) + 1
    now = utcnow()
    sitting.score = sum(r.points or 0.0 for r in responses)
    sitting.max_score = await _max_score(session, sitting, responses)
    sitting.graded_at = now
    session.add(
        SittingGrade(
            sitting_id=sitting.id,
            version=version,
            score=sitting.score,
            max_score=sitting.max_score,
            graded_at=now,
        )
    )
    await _publish_assessment_graded(session, sitting, version)
    return version


async def _max_score(
    session: AsyncSession, sitting: ExamSitting, responses: list[Response]
) -> float:
    """Every item the learner was given counts, answered or not (an unanswered one scores 0)."""
    answered = {r.item_id: r.max_points for r in responses}
    given = {uuid.UUID(str(entry["item_id"])) for entry in sitting.layout if "item_id" in entry}
    points: dict[uuid.UUID, float] = {}
    if sitting.assignment_id is not None:
        query = select(AssignmentItem.item_id, AssignmentItem.points).where(
            AssignmentItem.assignment_id == sitting.assignment_id
        )
        points = {item_id: value for item_id, value in (await session.execute(query)).all()}
    unanswered = (given or set(points)) - set(answered)
    return sum(answered.values()) + sum(points.get(item_id, 1.0) for item_id in unanswered)


async def _publish_assessment_graded(
    session: AsyncSession, sitting: ExamSitting, version: int
) -> None:
    assignment = (
        await session.get(Assignment, sitting.assignment_id) if sitting.assignment_id else None
    )
    if assignment is None:
        logger.warning("Sitting %s has no assignment: assessment.graded not published", sitting.id)
        return
    assert sitting.score is not None and sitting.max_score is not None
    assert sitting.graded_at is not None
    payload = AssessmentGraded(
        sitting_id=sitting.id,
        assignment_id=assignment.id,
        assignment_title=assignment.title,
        learner_id=sitting.learner_id,
        course_id=sitting.course_id,
        class_id=assignment.class_id,
        score=sitting.score,
        max_score=sitting.max_score,
        graded_at=sitting.graded_at,
        grade_version=version,
    )
    record(session, ASSESSMENT_GRADED, payload)
    learner = await session.get(User, sitting.learner_id)
    if learner is not None and learner.is_active:
        revised = " (revised)" if version > 1 else ""
        await notify(
            session,
            learner,
            NOTIFICATION_KIND,
            f"{assignment.title} is graded{revised}",
            f"Your grade: {sitting.score:g} of {sitting.max_score:g} points.",
            {"sitting_id": str(sitting.id), "grade_version": version},
        )
