"""Sittings: start, answer (saved as given), submit or close at the server deadline, reopen.

Every write locks the sitting row and judges time by the server's clock: once ``deadline_at`` has
passed nothing is accepted, even before the sweeper has closed the sitting. A close (by the
learner, or at the deadline) records ``assessment.sitting_submitted`` in the same transaction.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, AssessmentItemVersion, ItemKind
from core.errors import NotFound
from platform_api.assessments import events
from platform_api.assessments.answers import parse_number
from platform_api.assessments.auth import is_enrolled, taught_class
from platform_api.assessments.bank import ensure_snapshot
from platform_api.assessments.errors import (
    AttemptsExhausted,
    InvalidAnswer,
    OutsideWindow,
    SittingAlreadyOpen,
    SittingClosed,
    SittingNotReopenable,
)
from platform_api.assessments.item_spec import ItemSpec, spec_from_snapshot
from platform_api.assessments.layout import PlannedItem, learner_layout
from platform_api.assessments.models import (
    Accommodation,
    Assignment,
    AssignmentItem,
    AssignmentKind,
    ExamSitting,
    GradingStatus,
    Response,
    SittingReopening,
    SittingStatus,
)
from platform_api.assessments.schemas import AnswerIn, AnswerOut, ReopenIn, ReopeningOut
from platform_api.assessments.timing import deadline_for, window_of
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.gate import ensure_proctoring_allows_answers

SWEEP_BATCH = 100


def accepting_answers(sitting: ExamSitting, now: datetime) -> bool:
    return sitting.ended_at is None and (sitting.deadline_at is None or now < sitting.deadline_at)


def _ensure_accepting(sitting: ExamSitting, now: datetime) -> None:
    if sitting.ended_at is not None:
        raise SittingClosed("This sitting was submitted.", {"ended_at": sitting.ended_at})
    if not accepting_answers(sitting, now):
        raise SittingClosed("The sitting's time is up.", {"deadline_at": sitting.deadline_at})


async def snapshots_of(
    session: AsyncSession, pairs: list[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], ItemSpec]:
    """Specs of the given (item, version) snapshots, in one query."""
    if not pairs:
        return {}
    rows = await session.execute(
        select(
            AssessmentItemVersion.item_id,
            AssessmentItemVersion.version,
            AssessmentItemVersion.snapshot,
        ).where(func.row(AssessmentItemVersion.item_id, AssessmentItemVersion.version).in_(pairs))
    )
    return {(item_id, version): spec_from_snapshot(snap) for item_id, version, snap in rows}


async def _planned_items(session: AsyncSession, assignment: Assignment) -> list[PlannedItem]:
    rows = list(
        await session.execute(
            select(AssessmentItem, AssignmentItem.points)
            .join(AssignmentItem, AssignmentItem.item_id == AssessmentItem.id)
            .where(AssignmentItem.assignment_id == assignment.id)
            .order_by(AssignmentItem.position)
        )
    )
    for item, _ in rows:
        await ensure_snapshot(session, item)
    specs = await snapshots_of(session, [(item.id, item.version) for item, _ in rows])
    return [
        PlannedItem(item.id, item.version, points, specs[(item.id, item.version)].option_keys)
        for item, points in rows
    ]


async def _check_may_start(
    session: AsyncSession,
    assignment: Assignment,
    accommodation: Accommodation | None,
    learner_id: uuid.UUID,
    now: datetime,
) -> int:
    """The attempt number this start would be, or the reason it may not start."""
    opens, closes = window_of(assignment, accommodation)
    if opens is not None and now < opens:
        raise OutsideWindow("This assignment is not open yet.", {"opens_at": opens})
    if closes is not None and now >= closes:
        raise OutsideWindow("This assignment is closed.", {"closes_at": closes})
    await close_overdue(session, now, learner_id=learner_id)
    # One open sitting per assignment, and one open exam whichever exam (the tutor is off then).
    blocking = ExamSitting.assignment_id == assignment.id
    if assignment.kind is AssignmentKind.EXAM:
        blocking = blocking | ExamSitting.is_exam.is_(True)
    # One statement, one snapshot: a concurrent start that commits in between is seen as the
    # open sitting it is, never as a used-up attempt.
    open_sitting = (
        select(ExamSitting.id)
        .where(ExamSitting.learner_id == learner_id, ExamSitting.ended_at.is_(None), blocking)
        .limit(1)
        .scalar_subquery()
    )
    attempts_used = (
        select(func.coalesce(func.max(ExamSitting.attempt), 0))
        .where(ExamSitting.assignment_id == assignment.id, ExamSitting.learner_id == learner_id)
        .scalar_subquery()
    )
    open_id, attempts = (await session.execute(select(open_sitting, attempts_used))).one()
    if open_id is not None:
        raise SittingAlreadyOpen(
            "You already have an open sitting; submit it first.", {"sitting_id": str(open_id)}
        )
    if attempts >= assignment.attempts_allowed:
        raise AttemptsExhausted(
            "You have used every attempt.", {"attempts_allowed": assignment.attempts_allowed}
        )
    return attempts + 1


async def start_sitting(
    session: AsyncSession, actor: AccessClaims, assignment_id: uuid.UUID, now: datetime
) -> ExamSitting:
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None or not await is_enrolled(session, assignment.class_id, actor.user_id):
        raise NotFound("No such assignment.", {"field": "assignment_id"})
    accommodation = await session.get(Accommodation, (assignment.id, actor.user_id))
    attempt = await _check_may_start(session, assignment, accommodation, actor.user_id, now)
    is_exam = assignment.kind is AssignmentKind.EXAM
    sitting = ExamSitting(
        id=uuid.uuid4(),
        learner_id=actor.user_id,
        course_id=assignment.course_id,
        assignment_id=assignment.id,
        is_exam=is_exam,
        attempt=attempt,
        status=SittingStatus.IN_PROGRESS,
        layout=learner_layout(
            await _planned_items(session, assignment),
            assignment.shuffle_seed,
            actor.user_id,
            shuffle=is_exam,
        ),
        started_at=now,
        deadline_at=deadline_for(assignment, accommodation, now),
    )
    session.add(sitting)
    events.record(
        session,
        events.SITTING_STARTED,
        events.SittingStarted(
            sitting_id=sitting.id,
            assignment_id=assignment.id,
            learner_id=actor.user_id,
            course_id=assignment.course_id,
            is_exam=is_exam,
            requires_proctoring=assignment.requires_proctoring,
            started_at=now,
            deadline_at=sitting.deadline_at,
        ),
    )
    try:
        await session.commit()
    except IntegrityError as error:  # a concurrent start won the race (unique indexes)
        await session.rollback()
        raise SittingAlreadyOpen("You already have an open sitting; submit it first.") from error
    return sitting


async def own_sitting(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID, *, read_lock: bool
) -> ExamSitting:
    """The caller's own sitting, locked; another learner's is 404, as if it did not exist."""
    query = select(ExamSitting).where(ExamSitting.id == sitting_id)
    sitting = await session.scalar(query.with_for_update(read=read_lock))
    if sitting is None or sitting.learner_id != actor.user_id or sitting.assignment_id is None:
        raise NotFound("No such sitting.")
    return sitting


def _layout_entry(sitting: ExamSitting, item_id: uuid.UUID) -> dict[str, object]:
    for entry in sitting.layout:
        if entry["item_id"] == str(item_id):
            return entry
    raise NotFound("This sitting has no such item.", {"item_id": str(item_id)})


def _checked_answer(spec: ItemSpec, text: str) -> str:
    """The answer as stored: an option's key, a number as written, or the text."""
    if spec.kind is ItemKind.MULTIPLE_CHOICE:
        if text not in spec.option_keys:
            raise InvalidAnswer("Answer with one option's key.", {"keys": list(spec.option_keys)})
    elif spec.kind is ItemKind.NUMERIC:
        if parse_number(text) is None:
            raise InvalidAnswer(
                "This item takes a number, optionally with its unit: 12.5, -3e-2, 1/4, 9.8 m/s^2."
            )
        return text.strip()
    return text


async def save_answer(
    session: AsyncSession,
    actor: AccessClaims,
    sitting_id: uuid.UUID,
    item_id: uuid.UUID,
    body: AnswerIn,
    now: datetime,
) -> AnswerOut:
    """Idempotent per (sitting, item): the last answer before the close wins."""
    sitting = await own_sitting(session, actor, sitting_id, read_lock=True)
    _ensure_accepting(sitting, now)
    await ensure_proctoring_allows_answers(session, sitting)
    entry = _layout_entry(sitting, item_id)
    version = int(str(entry["item_version"]))
    spec = (await snapshots_of(session, [(item_id, version)]))[(item_id, version)]
    answer = _checked_answer(spec, body.answer)
    values = insert(Response).values(
        id=uuid.uuid4(),
        sitting_id=sitting.id,
        item_id=item_id,
        item_version=version,
        answer=answer,
        first_answered_at=now,
        answered_at=now,
        time_spent_ms=body.time_spent_ms,
        max_points=float(str(entry["points"])),
    )
    statement = values.on_conflict_do_update(
        index_elements=[Response.sitting_id, Response.item_id],
        set_={
            "answer": answer,
            "answered_at": now,
            "time_spent_ms": body.time_spent_ms,
            **_regraded_if_changed(answer),
        },
    ).returning(Response.first_answered_at)
    first = (await session.execute(statement)).scalar_one()
    await session.commit()
    return AnswerOut(
        sitting_id=sitting.id,
        item_id=item_id,
        item_version=version,
        answer=answer,
        first_answered_at=first,
        answered_at=now,
    )


def _regraded_if_changed(answer: str) -> dict[str, Any]:
    """A changed answer (only possible in a reopened sitting) loses its grade, so that grading
    grades it again as its next revision; the same answer keeps the grade it has."""
    changed = Response.answer != answer
    return {
        "grading_status": case(
            (changed, literal(GradingStatus.PENDING, Response.grading_status.type)),
            else_=Response.grading_status,
        ),
        "points": case((changed, None), else_=Response.points),
        "correct": case((changed, None), else_=Response.correct),
        "graded_by": case((changed, None), else_=Response.graded_by),
        "graded_at": case((changed, None), else_=Response.graded_at),
    }


def _close(session: AsyncSession, sitting: ExamSitting, at: datetime, *, auto: bool) -> None:
    """End the sitting and hand it to grading, in the caller's transaction."""
    assert sitting.assignment_id is not None
    sitting.ended_at, sitting.auto_submitted = at, auto
    sitting.status = SittingStatus.GRADING
    events.record(
        session,
        events.SITTING_SUBMITTED,
        events.SittingSubmitted(
            sitting_id=sitting.id,
            assignment_id=sitting.assignment_id,
            learner_id=sitting.learner_id,
            course_id=sitting.course_id,
            submitted_at=at,
            auto_submitted=auto,
        ),
    )


async def submit(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID, now: datetime
) -> ExamSitting:
    """Idempotent: a sitting already closed is returned as it is (no second event).

    Submitting after the deadline, before the sweeper got to it, closes it at its deadline as
    the sweeper would (``auto_submitted``): nothing given after the deadline counts.
    """
    sitting = await own_sitting(session, actor, sitting_id, read_lock=False)
    if sitting.ended_at is None:
        if accepting_answers(sitting, now):
            _close(session, sitting, now, auto=False)
        else:
            assert sitting.deadline_at is not None
            _close(session, sitting, sitting.deadline_at, auto=True)
        await session.commit()
    return sitting


async def close_overdue(
    session: AsyncSession, now: datetime, *, learner_id: uuid.UUID | None = None
) -> int:
    """Close open sittings whose deadline passed, at their deadline; skips rows others hold."""
    query = (
        select(ExamSitting)
        .where(
            ExamSitting.ended_at.is_(None),
            ExamSitting.deadline_at <= now,
            ExamSitting.assignment_id.is_not(None),
        )
        .order_by(ExamSitting.deadline_at)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
    )
    if learner_id is not None:
        query = query.where(ExamSitting.learner_id == learner_id)
    overdue = list(await session.scalars(query))
    for sitting in overdue:
        assert sitting.deadline_at is not None
        _close(session, sitting, sitting.deadline_at, auto=True)
    await session.flush()
    return len(overdue)


REOPENABLE = (SittingStatus.GRADING, SittingStatus.NEEDS_REVIEW, SittingStatus.GRADING_DELAYED)


async def reopen(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID, body: ReopenIn, now: datetime
) -> ReopeningOut:
    """The teacher gives a closed sitting more time after a technical failure; answers stay.

    Reopenable: a sitting that has ended (or whose deadline passed) and is not fully graded; a
    graded sitting is changed by grade overrides, not by answering again. The learner's next
    submit records a new ``sitting_submitted`` for the same sitting.
    """
    sitting = await session.get(ExamSitting, sitting_id, with_for_update=True)
    if sitting is None or sitting.assignment_id is None:
        raise NotFound("No such sitting.")
    assignment = await session.get(Assignment, sitting.assignment_id)
    assert assignment is not None
    await taught_class(session, actor, assignment.class_id)
    if accepting_answers(sitting, now):
        raise SittingNotReopenable("The sitting is still open; grant extra time instead.")
    if sitting.ended_at is not None and sitting.status not in REOPENABLE:
        raise SittingNotReopenable(
            "A graded sitting is not reopened; override grades instead.",
            {"status": sitting.status.value},
        )
    reopening = SittingReopening(
        id=uuid.uuid4(),
        sitting_id=sitting.id,
        reopened_by=actor.user_id,
        reason=body.reason,
        previous_deadline=sitting.deadline_at,
        new_deadline=now + timedelta(minutes=body.minutes),
        reopened_at=now,
    )
    session.add(reopening)
    sitting.ended_at, sitting.auto_submitted = None, False
    sitting.status, sitting.deadline_at = SittingStatus.IN_PROGRESS, reopening.new_deadline
    try:
        await session.commit()
    except IntegrityError as error:  # the learner has another exam open now
        await session.rollback()
        raise SittingAlreadyOpen("The learner has another exam open; it must end first.") from error
    return ReopeningOut.model_validate(reopening)
