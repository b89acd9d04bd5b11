"""What a sitting looks like to its learner and teacher: items, answers, and released grades."""

import uuid
from datetime import datetime

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import ItemKind
from core.errors import NotFound
from platform_api.assessments.assignments import followed_assignment
from platform_api.assessments.models import (
    Accommodation,
    Assignment,
    ExamSitting,
    FeedbackTiming,
    Response,
    SittingStatus,
)
from platform_api.assessments.schemas import (
    OptionOut,
    ResultItemOut,
    ResultsOut,
    SittingItemOut,
    SittingOut,
    SittingSummary,
)
from platform_api.assessments.sittings import accepting_answers, snapshots_of
from platform_api.assessments.timing import release_time
from platform_api.auth.models import ParentLink, Role
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import SchoolClass


async def sitting_in_class(
    session: AsyncSession, sitting_id: uuid.UUID
) -> tuple[ExamSitting, Assignment, SchoolClass]:
    """An assignment's sitting with its assignment and class (404 when any is missing)."""
    sitting = await session.get(ExamSitting, sitting_id)
    if sitting is None or sitting.assignment_id is None:
        raise NotFound("No such sitting.")
    assignment = await session.get(Assignment, sitting.assignment_id)
    if assignment is None:
        raise NotFound("No such sitting.")
    school_class = await session.get(SchoolClass, assignment.class_id)
    if school_class is None:
        raise NotFound("No such sitting.")
    return sitting, assignment, school_class


async def visible_sitting(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID
) -> tuple[ExamSitting, Assignment, bool]:
    """The sitting for its learner, their class's teacher or an admin (404 for anyone else)."""
    sitting, assignment, school_class = await sitting_in_class(session, sitting_id)
    staff = actor.role is Role.ADMIN or school_class.teacher_id == actor.user_id
    if not staff and sitting.learner_id != actor.user_id:
        raise NotFound("No such sitting.")
    return sitting, assignment, staff


async def _responses(session: AsyncSession, sitting: ExamSitting) -> dict[str, Response]:
    rows = await session.scalars(select(Response).where(Response.sitting_id == sitting.id))
    return {str(row.item_id): row for row in rows}


async def sitting_view(session: AsyncSession, sitting: ExamSitting, now: datetime) -> SittingOut:
    """Items in the learner's order and options in theirs; no key, solution or rubric."""
    pairs = [(uuid.UUID(e["item_id"]), int(e["item_version"])) for e in sitting.layout]
    specs = await snapshots_of(session, pairs)
    answers = await _responses(session, sitting)
    items = []
    for position, (entry, pair) in enumerate(zip(sitting.layout, pairs, strict=True)):
        spec, response = specs[pair], answers.get(entry["item_id"])
        texts = dict(spec.options)
        items.append(
            SittingItemOut(
                item_id=pair[0],
                position=position,
                kind=spec.kind,
                prompt=spec.prompt,
                options=[OptionOut(key=k, text=texts[k]) for k in entry["option_order"]],
                unit=spec.unit if spec.kind is ItemKind.NUMERIC else None,
                max_points=float(entry["points"]),
                answer=response.answer if response else None,
                answered_at=response.answered_at if response else None,
            )
        )
    assert sitting.assignment_id is not None
    return SittingOut(
        id=sitting.id,
        assignment_id=sitting.assignment_id,
        learner_id=sitting.learner_id,
        attempt=sitting.attempt,
        status=sitting.status,
        is_exam=sitting.is_exam,
        accepting_answers=accepting_answers(sitting, now),
        started_at=sitting.started_at,
        deadline_at=sitting.deadline_at,
        ended_at=sitting.ended_at,
        auto_submitted=sitting.auto_submitted,
        server_time=now,
        items=items,
    )


async def _released(
    session: AsyncSession, sitting: ExamSitting, assignment: Assignment, now: datetime
) -> tuple[bool, str]:
    timing = assignment.feedback_timing
    if timing is FeedbackTiming.IMMEDIATE:
        return True, "Each answer's grade shows as soon as it is graded."
    if timing is FeedbackTiming.AFTER_GRADING:
        done = sitting.status is SittingStatus.GRADED
        return done, "Grades show once every answer of the sitting is graded."
    accommodation = await session.get(Accommodation, (assignment.id, sitting.learner_id))
    release = release_time(assignment, accommodation)
    if release is None:  # no due date: once the sitting has ended
        return sitting.ended_at is not None, "Grades show once the sitting is submitted."
    return now >= release, f"Grades show after the due time, {release.isoformat()}."


async def results(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID, now: datetime
) -> ResultsOut:
    """Grades written by grading, shown to the learner by the assignment's feedback timing."""
    sitting, assignment, staff = await visible_sitting(session, actor, sitting_id)
    released, note = await _released(session, sitting, assignment, now)
    released = released or staff
    answers = await _responses(session, sitting)
    items = []
    for position, entry in enumerate(sitting.layout):
        response = answers.get(entry["item_id"])
        graded = released and response is not None
        items.append(
            ResultItemOut(
                item_id=uuid.UUID(entry["item_id"]),
                response_id=response.id if response else None,
                position=position,
                answer=response.answer if response else None,
                grading_status=response.grading_status.value if graded and response else None,
                points=response.points if graded and response else None,
                max_points=float(entry["points"]),
                correct=response.correct if graded and response else None,
            )
        )
    whole = released and sitting.status is SittingStatus.GRADED
    return ResultsOut(
        sitting_id=sitting.id,
        status=sitting.status,
        feedback_timing=assignment.feedback_timing,
        released=released,
        release_note=note,
        score=sitting.score if whole else None,
        max_score=sitting.max_score if whole else None,
        items=items,
    )


def _visible_sittings(actor: AccessClaims) -> Select[ExamSitting]:
    query = select(ExamSitting).where(ExamSitting.assignment_id.is_not(None))
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.STUDENT:
        return query.where(ExamSitting.learner_id == actor.user_id)
    if actor.role is Role.TEACHER:
        taught = (
            select(Assignment.id)
            .join(SchoolClass, SchoolClass.id == Assignment.class_id)
            .where(SchoolClass.teacher_id == actor.user_id)
        )
        return query.where(ExamSitting.assignment_id.in_(taught))
    if actor.role is Role.PARENT:
        children = select(ParentLink.child_id).where(ParentLink.parent_id == actor.user_id)
        return query.where(ExamSitting.learner_id.in_(children))
    return query.where(false())


async def list_sittings(
    session: AsyncSession,
    actor: AccessClaims,
    assignment_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[SittingSummary]:
    query = _visible_sittings(actor)
    if assignment_id is not None:
        await followed_assignment(session, actor, assignment_id)
        query = query.where(ExamSitting.assignment_id == assignment_id)
    query = query.order_by(ExamSitting.started_at.desc(), ExamSitting.id)
    rows = await session.scalars(query.limit(limit).offset(offset))
    return [SittingSummary.model_validate(row) for row in rows]
