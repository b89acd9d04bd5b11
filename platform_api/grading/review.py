"""The teacher's side of grading: the queue, overrides (any grade, versioned) and disputes.

A teacher sees and grades only the answers of classes they teach (admins: all). Every change
is a new ``GradeRevision`` with who and why; it publishes ``answer_graded`` with the new grade
version and, when the sitting is complete, ``assessment.graded`` with the sitting's next grade
version (``settle_sitting``).
"""

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.infra.database import utcnow
from platform_api.assessments.models import (
    Assignment,
    ExamSitting,
    GradeRevision,
    GradeSource,
    GradingStatus,
    Response,
)
from platform_api.audit.service import Actor, AuditAction, record
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import SchoolClass
from platform_api.grading.grades import (
    Grade,
    lock_response,
    lock_sitting,
    settle_sitting,
    write_grade,
)
from platform_api.grading.items import (
    ItemVersionMissing,
    load_item_version,
    rubric_lines,
)
from platform_api.grading.schemas import (
    QueueEntry,
    QueueFilter,
    QueuePage,
    ResponseGradeOut,
    RevisionOut,
)

REVIEW_STATUSES = {
    QueueFilter.NEEDS_REVIEW: [GradingStatus.NEEDS_REVIEW],
    QueueFilter.DISPUTED: [GradingStatus.NEEDS_REVIEW],
    QueueFilter.DELAYED: [GradingStatus.DELAYED],
    QueueFilter.ALL: [GradingStatus.NEEDS_REVIEW, GradingStatus.DELAYED],
}


async def _class_of(session: AsyncSession, sitting: ExamSitting) -> SchoolClass | None:
    if sitting.assignment_id is None:
        return None
    assignment = await session.get(Assignment, sitting.assignment_id)
    return await session.get(SchoolClass, assignment.class_id) if assignment else None


async def _found(session: AsyncSession, response_id: uuid.UUID) -> tuple[Response, ExamSitting]:
    response = await session.get(Response, response_id)
    sitting = await session.get(ExamSitting, response.sitting_id) if response else None
    if response is None or sitting is None:
        raise NotFound("No such answer.")
    return response, sitting


async def _require_teacher(
    session: AsyncSession, actor: AccessClaims, sitting: ExamSitting
) -> None:
    if actor.role is Role.ADMIN:
        return
    school_class = await _class_of(session, sitting)
    if school_class is None or school_class.teacher_id != actor.user_id:
        raise Forbidden("Only the teacher of the class grades its answers.")


def _queue_query(actor: AccessClaims, show: QueueFilter, class_id: uuid.UUID | None) -> Select:
    query = (
        select(Response, ExamSitting, Assignment)
        .join(ExamSitting, ExamSitting.id == Response.sitting_id)
        .join(Assignment, Assignment.id == ExamSitting.assignment_id)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .where(Response.grading_status.in_(REVIEW_STATUSES[show]))
    )
    if show is QueueFilter.DISPUTED:
        query = query.where(Response.disputed_at.is_not(None))
    if actor.role is not Role.ADMIN:
        query = query.where(SchoolClass.teacher_id == actor.user_id)
    if class_id is not None:
        query = query.where(Assignment.class_id == class_id)
    return query


async def grading_queue(
    session: AsyncSession,
    actor: AccessClaims,
    show: QueueFilter,
    class_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> QueuePage:
    """Answers waiting for a teacher, oldest answer first."""
    query = _queue_query(actor, show, class_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(Response.answered_at, Response.id).limit(limit).offset(offset)
    )
    entries = [await _entry(session, *row) for row in rows.all()]
    return QueuePage(items=entries, total=total or 0, limit=limit, offset=offset)


async def _entry(
    session: AsyncSession, response: Response, sitting: ExamSitting, assignment: Assignment
) -> QueueEntry:
    latest = await session.scalar(
        select(GradeRevision)
        .where(GradeRevision.response_id == response.id)
        .order_by(GradeRevision.version.desc())
        .limit(1)
    )
    try:
        item = await load_item_version(session, response.item_id, response.item_version)
        question, expected, rubric = item.prompt, item.model_answer, rubric_lines(item)
    except ItemVersionMissing:
        question, expected, rubric = "(the item version is missing)", "", []
    return QueueEntry(
        response_id=response.id,
        sitting_id=sitting.id,
        assignment_id=assignment.id,
        class_id=assignment.class_id,
        learner_id=sitting.learner_id,
        item_id=response.item_id,
        item_version=response.item_version,
        question=question,
        answer=response.answer,
        model_answer=expected,
        rubric=rubric,
        grading_status=response.grading_status,
        points=response.points,
        max_points=response.max_points,
        grade_version=response.grade_version,
        justification=latest.justification if latest else "",
        confidence=latest.confidence if latest else None,
        disputed_at=response.disputed_at,
        dispute_reason=response.dispute_reason,
        answered_at=response.answered_at,
    )


def _out(response: Response, sitting: ExamSitting) -> ResponseGradeOut:
    return ResponseGradeOut(
        response_id=response.id,
        sitting_id=sitting.id,
        grading_status=response.grading_status,
        points=response.points,
        max_points=response.max_points,
        correct=response.correct,
        grade_version=response.grade_version,
        sitting_status=sitting.status,
        sitting_score=sitting.score,
        sitting_max_score=sitting.max_score,
    )


async def override_grade(
    session: AsyncSession, actor: AccessClaims, response_id: uuid.UUID, points: float, reason: str
) -> ResponseGradeOut:
    """A teacher's grade for any answer of a submitted sitting: the next revision."""
    response, sitting = await _found(session, response_id)
    await _require_teacher(session, actor, sitting)
    if sitting.ended_at is None:
        raise Conflict("The sitting is still open; grade it once it is submitted.")
    if points > response.max_points:
        raise ValidationFailed(
            f"At most {response.max_points:g} points.", {"max_points": response.max_points}
        )
    locked_sitting = await lock_sitting(session, sitting.id)
    locked = await lock_response(session, response.id)
    assert locked_sitting is not None and locked is not None
    grade = Grade(
        source=GradeSource.TEACHER,
        points=points,
        status=GradingStatus.GRADED,
        justification=reason,
        graded_by=actor.user_id,
        reason=reason,
    )
    previous_points = locked.points
    await write_grade(session, locked_sitting, locked, grade)
    await settle_sitting(session, locked_sitting, revised=True)
    record(
        session,
        Actor.of(actor),
        AuditAction.GRADE_OVERRIDDEN,
        ("response", locked.id),
        {
            "sitting_id": str(locked_sitting.id),
            "from": previous_points,
            "to": points,
            "reason": reason,
        },
    )
    await session.commit()
    return _out(locked, locked_sitting)


async def dispute_grade(
    session: AsyncSession, actor: AccessClaims, response_id: uuid.UUID, reason: str
) -> ResponseGradeOut:
    """The learner contests a grade: the answer goes to the teacher's queue."""
    response, sitting = await _found(session, response_id)
    if sitting.learner_id != actor.user_id:
        raise Forbidden("You may dispute only your own answers.")
    locked_sitting = await lock_sitting(session, sitting.id)
    locked = await lock_response(session, response.id)
    assert locked_sitting is not None and locked is not None
    if locked.grading_status is not GradingStatus.GRADED:
        raise Conflict(
            "Only a graded answer can be disputed; this one is "
            f"{locked.grading_status.value.replace('_', ' ')}.",
            {"grading_status": locked.grading_status.value},
        )
    locked.grading_status = GradingStatus.NEEDS_REVIEW
    locked.disputed_at, locked.dispute_reason = utcnow(), reason
    await settle_sitting(session, locked_sitting)
    await session.commit()
    return _out(locked, locked_sitting)


async def grade_history(
    session: AsyncSession, actor: AccessClaims, response_id: uuid.UUID
) -> list[RevisionOut]:
    """Every grade an answer received; its learner and its teacher may read them."""
    _, sitting = await _found(session, response_id)
    if sitting.learner_id != actor.user_id:
        await _require_teacher(session, actor, sitting)
    revisions = await session.scalars(
        select(GradeRevision)
        .where(GradeRevision.response_id == response_id)
        .order_by(GradeRevision.version)
    )
    return [RevisionOut.model_validate(revision) for revision in revisions]
