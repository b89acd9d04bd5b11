"""Consent to be proctored, per exam: a learner of the consent age gives their own; for a younger
learner a linked parent gives it (the learner cannot), ahead of the exam day if need be."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from platform_api.assessments.auth import is_enrolled
from platform_api.assessments.models import Assignment
from platform_api.auth.models import ParentLink, Role, User
from platform_api.auth.service import is_under_age
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.errors import ParentConsentRequired, ProctoringNotRequired
from platform_api.proctor.models import ConsentGiver, ProctorConsent
from platform_api.proctor.schemas import ConsentIn


async def _consenting_for(
    session: AsyncSession, actor: AccessClaims, body: ConsentIn, minimum_age: int
) -> tuple[uuid.UUID, ConsentGiver]:
    """Whose consent this is and in which capacity; a parent only for a linked child."""
    if actor.role is Role.PARENT:
        child = body.learner_id
        if child is None or await session.get(ParentLink, (actor.user_id, child)) is None:
            raise NotFound("No such child of yours.", {"field": "learner_id"})
        return child, ConsentGiver.PARENT
    if body.learner_id not in (None, actor.user_id):
        raise NotFound("Learners consent for themselves.", {"field": "learner_id"})
    learner = await session.get(User, actor.user_id)
    if learner is None or is_under_age(learner.birth_date, minimum_age):
        raise ParentConsentRequired(
            f"Under {minimum_age}, a parent consents to proctoring.", {"minimum_age": minimum_age}
        )
    return actor.user_id, ConsentGiver.LEARNER


async def give_consent(
    session: AsyncSession, actor: AccessClaims, body: ConsentIn, minimum_age: int
) -> ProctorConsent:
    """Record the consent (again: the one already recorded)."""
    learner_id, giver = await _consenting_for(session, actor, body, minimum_age)
    assignment = await session.get(Assignment, body.assignment_id)
    if assignment is None or not await is_enrolled(session, assignment.class_id, learner_id):
        raise NotFound("No such exam.", {"field": "assignment_id"})
    if not assignment.requires_proctoring:
        raise ProctoringNotRequired("This exam is not proctored: no consent is needed.")
    statement = (
        insert(ProctorConsent)
        .values(
            id=uuid.uuid4(),
            learner_id=learner_id,
            assignment_id=assignment.id,
            given_by=actor.user_id,
            giver=giver,
        )
        .on_conflict_do_nothing(index_elements=["learner_id", "assignment_id"])
    )
    await session.execute(statement)
    await session.commit()
    consent = await consent_of(session, learner_id, assignment.id)
    assert consent is not None
    return consent


async def consent_of(
    session: AsyncSession, learner_id: uuid.UUID, assignment_id: uuid.UUID
) -> ProctorConsent | None:
    query = select(ProctorConsent).where(
        ProctorConsent.learner_id == learner_id, ProctorConsent.assignment_id == assignment_id
    )
    return await session.scalar(query)
