"""How a sitting is proctored, as its learner, its teacher or a reviewer sees it."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import Assignment
from platform_api.assessments.views import visible_sitting
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.exemptions import approved_exemption
from platform_api.proctor.models import ProctoringSession
from platform_api.proctor.schemas import ExemptionOut, ProctoringMode, SittingProctoringOut
from platform_api.proctor.timelines import session_out


def proctoring_mode(assignment: Assignment, exempt: bool, streamed: bool) -> ProctoringMode:
    """``exempt``: an approved exemption; ``streamed``: a proctoring session went live."""
    if not assignment.requires_proctoring:
        return "not_required"
    if exempt:
        return "exempt"
    return "proctored" if streamed else "unproctored"


async def sitting_proctoring(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID
) -> SittingProctoringOut:
    sitting, assignment, _ = await visible_sitting(session, actor, sitting_id)
    query = select(ProctoringSession).where(ProctoringSession.sitting_id == sitting.id)
    record = await session.scalar(query.order_by(ProctoringSession.created_at.desc()).limit(1))
    exemption = await approved_exemption(session, sitting.learner_id, assignment.id)
    streamed = record is not None and record.live_at is not None
    return SittingProctoringOut(
        sitting_id=sitting.id,
        mode=proctoring_mode(assignment, exemption is not None, streamed),
        session=None if record is None else await session_out(session, record),
        exemption=None if exemption is None else ExemptionOut.model_validate(exemption),
    )
