"""The path for a learner who has no webcam or does not consent: an exemption the class's
teacher approves (the exam's sittings then run unproctored, flagged as such) or refuses."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from platform_api.assessments.auth import is_enrolled, taught_class
from platform_api.assessments.models import Assignment
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.errors import ExemptionExists, ProctoringNotRequired
from platform_api.proctor.models import ExemptionStatus, ProctorExemption
from platform_api.proctor.schemas import ExemptionDecisionIn, ExemptionIn


async def request_exemption(
    session: AsyncSession, actor: AccessClaims, body: ExemptionIn
) -> ProctorExemption:
    assignment = await session.get(Assignment, body.assignment_id)
    if assignment is None or not await is_enrolled(session, assignment.class_id, actor.user_id):
        raise NotFound("No such exam.", {"field": "assignment_id"})
    if not assignment.requires_proctoring:
        raise ProctoringNotRequired("This exam is not proctored: no exemption is needed.")
    exemption = ProctorExemption(
        id=uuid.uuid4(),
        learner_id=actor.user_id,
        assignment_id=assignment.id,
        reason=body.reason,
        status=ExemptionStatus.REQUESTED,
    )
    session.add(exemption)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise ExemptionExists("You already asked for an exemption from this exam.") from error
    return exemption


async def decide_exemption(
    session: AsyncSession,
    actor: AccessClaims,
    exemption_id: uuid.UUID,
    body: ExemptionDecisionIn,
    now: datetime,
) -> ProctorExemption:
    """The class's teacher (or an admin) approves or refuses; a decision can be changed."""
    exemption = await session.get(ProctorExemption, exemption_id, with_for_update=True)
    if exemption is None:
        raise NotFound("No such exemption.")
    assignment = await session.get(Assignment, exemption.assignment_id)
    assert assignment is not None
    await taught_class(session, actor, assignment.class_id)
    exemption.status = ExemptionStatus.APPROVED if body.approve else ExemptionStatus.REFUSED
    exemption.decided_by, exemption.decided_at = actor.user_id, now
    exemption.decision_note = body.note
    await session.commit()
    return exemption


async def exemptions_of_exam(
    session: AsyncSession, actor: AccessClaims, assignment_id: uuid.UUID
) -> list[ProctorExemption]:
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("No such exam.", {"field": "assignment_id"})
    await taught_class(session, actor, assignment.class_id)
    query = select(ProctorExemption).where(ProctorExemption.assignment_id == assignment_id)
    return list(await session.scalars(query.order_by(ProctorExemption.requested_at)))


async def approved_exemption(
    session: AsyncSession, learner_id: uuid.UUID, assignment_id: uuid.UUID
) -> ProctorExemption | None:
    query = select(ProctorExemption).where(
        ProctorExemption.learner_id == learner_id,
        ProctorExemption.assignment_id == assignment_id,
        ProctorExemption.status == ExemptionStatus.APPROVED,
    )
    return await session.scalar(query)
