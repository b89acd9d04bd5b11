"""Whether a sitting of a proctored exam may take answers: once its proctoring session is live
and the proctor has matched the learner's face with the enrolment photo, or at once when the
learner's teacher approved an exemption (the sitting is then flagged as unproctored)."""

from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.proctor.errors import IdentityNotVerified, ProctoringRequired
from platform_api.proctor.exemptions import approved_exemption
from platform_api.proctor.models import ProctorSessionStatus
from platform_api.proctor.service import running_session


async def ensure_proctoring_allows_answers(session: AsyncSession, sitting: ExamSitting) -> None:
    assignment = await session.get(Assignment, sitting.assignment_id)
    if assignment is None or not assignment.requires_proctoring:
        return
    if await approved_exemption(session, sitting.learner_id, assignment.id) is not None:
        return
    record = await running_session(session, sitting.id)
    if record is None or record.status is not ProctorSessionStatus.LIVE:
        raise ProctoringRequired(
            "This exam is proctored: start the webcam stream before answering.",
            {"sitting_id": str(sitting.id)},
        )
    if record.identity_verified_at is None:
        raise IdentityNotVerified(
            "The proctor has not matched your face with your enrolment photo yet.",
            {"session_id": str(record.id)},
        )
