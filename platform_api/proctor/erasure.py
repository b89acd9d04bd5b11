"""Where a learner's biometric objects are, so that erasing the account removes them too (their
rows go with the account: foreign keys cascade)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.proctor.enrolment import enrolment_prefix
from platform_api.proctor.models import ProctoringSession
from serving.proctoring.evidence import evidence_prefix


async def biometric_object_prefixes(session: AsyncSession, learner_id: uuid.UUID) -> list[str]:
    """The enrolment photo's prefix and each proctoring session's evidence prefix."""
    query = select(ProctoringSession.id).where(ProctoringSession.learner_id == learner_id)
    sessions = await session.scalars(query)
    return [enrolment_prefix(learner_id), *(evidence_prefix(found.hex) for found in sessions)]
