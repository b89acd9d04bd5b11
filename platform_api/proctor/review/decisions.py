"""Review decisions and appeals: people judge what the proctor flagged.

A decision is never changed: each one is a new version of the sitting's review, made against the
version its reviewer saw (optimistic concurrency: a stale one is refused). The learner may appeal
a `suspicious` or `violation` decision once, within the appeal window; from then on every
decision is a second review (stage `appeal_review`) by someone other than the reviewer whose
decision was appealed, and the first one answers the appeal.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.assessments.sittings import own_sitting
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.errors import (
    AppealExists,
    AppealNotAllowed,
    AppealWindowClosed,
    NothingToAppeal,
    ProctoringNotRequired,
    SecondReviewerRequired,
    SittingInProgress,
    StaleReviewVersion,
)
from platform_api.proctor.review.events import announce_decision
from platform_api.proctor.review.models import (
    AppealStatus,
    ProctorAppeal,
    ProctorDecision,
    ReviewDecision,
    ReviewStage,
)
from platform_api.proctor.review.reviewers import lock_sitting, reviewable_sitting
from platform_api.proctor.review.schemas import AppealIn, AppealOut, DecisionIn, DecisionOut
from platform_api.proctor.review.state import appeal_of, appeal_out, latest_decision

APPEALABLE = frozenset({ReviewDecision.SUSPICIOUS, ReviewDecision.VIOLATION})


async def decide(
    session: AsyncSession,
    actor: AccessClaims,
    sitting_id: uuid.UUID,
    body: DecisionIn,
    now: datetime,
) -> DecisionOut:
    sitting, assignment = await reviewable_sitting(session, actor, sitting_id)
    _ensure_judgeable(sitting, assignment)
    await lock_sitting(session, sitting.id)
    latest = await latest_decision(session, sitting.id)
    current = 0 if latest is None else latest.version
    if body.expected_version != current:
        raise StaleReviewVersion(
            "Another decision was made meanwhile: reload the report and decide again.",
            {"latest_version": current},
        )
    appeal = await appeal_of(session, sitting.id, lock=True)
    stage = await _stage(session, actor, appeal)
    decision = ProctorDecision(
        id=uuid.uuid4(),
        sitting_id=sitting.id,
        version=current + 1,
        stage=stage,
        reviewer_id=actor.user_id,
        decision=body.decision,
        note=body.note,
        decided_at=now,
        supersedes=latest.version if latest is not None else None,
    )
    session.add(decision)
    await session.flush()  # the decision's row before the appeal names it (no ORM relationship)
    if appeal is not None and appeal.status is AppealStatus.OPEN:
        appeal.status, appeal.resolved_by, appeal.decided_at = (
            AppealStatus.DECIDED,
            decision.id,
            now,
        )
    await announce_decision(session, sitting, assignment, decision)
    try:
        await session.commit()
    except IntegrityError as error:  # the lock makes this a backstop: (sitting, version) is unique
        await session.rollback()
        raise StaleReviewVersion("Another decision was made meanwhile.") from error
    return DecisionOut.model_validate(decision)


def _ensure_judgeable(sitting: ExamSitting, assignment: Assignment) -> None:
    if not assignment.requires_proctoring:
        raise ProctoringNotRequired("This exam is not proctored: there is nothing to review.")
    if sitting.ended_at is None:
        raise SittingInProgress("The sitting is still going on: review it once it has ended.")


async def _stage(
    session: AsyncSession, actor: AccessClaims, appeal: ProctorAppeal | None
) -> ReviewStage:
    """`review` until the sitting is appealed; then `appeal_review`, by another reviewer."""
    if appeal is None:
        return ReviewStage.REVIEW
    appealed = await session.get(ProctorDecision, appeal.decision_id)
    if appealed is not None and appealed.reviewer_id == actor.user_id:
        raise SecondReviewerRequired(
            "You made the decision under appeal: another reviewer decides the appeal.",
            {"appealed_version": appealed.version},
        )
    return ReviewStage.APPEAL_REVIEW


async def file_appeal(
    session: AsyncSession,
    actor: AccessClaims,
    sitting_id: uuid.UUID,
    body: AppealIn,
    now: datetime,
    window: timedelta,
) -> AppealOut:
    """The learner appeals the sitting's latest decision (if appealable, once, in time)."""
    sitting = await own_sitting(session, actor, sitting_id, read_lock=False)
    latest = await latest_decision(session, sitting.id)
    if latest is None:
        raise NothingToAppeal("This sitting has no review decision to appeal.")
    if await appeal_of(session, sitting.id) is not None:
        raise AppealExists("This sitting's review has already been appealed.")
    if latest.decision not in APPEALABLE:
        raise AppealNotAllowed("Only a `suspicious` or `violation` decision can be appealed.")
    closes = latest.decided_at + window
    if now > closes:
        raise AppealWindowClosed(
            "The time to appeal this decision is over.", {"closed_at": closes.isoformat()}
        )
    appeal = ProctorAppeal(
        id=uuid.uuid4(),
        sitting_id=sitting.id,
        decision_id=latest.id,
        learner_id=sitting.learner_id,
        filed_by=actor.user_id,
        reason=body.reason,
        filed_at=now,
        status=AppealStatus.OPEN,
    )
    session.add(appeal)
    try:
        await session.commit()
    except IntegrityError as error:  # a concurrent appeal of the same decision won
        await session.rollback()
        raise AppealExists("This sitting's review has already been appealed.") from error
    return appeal_out(appeal, [latest])
