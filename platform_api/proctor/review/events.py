"""What a review decision tells the rest of the world, in the decision's own transaction: the
``proctor.reviewed`` event (through the outbox, for webhooks and analytics) and a notification
to the learner."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.outbox import add_event
from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.auth.models import User
from platform_api.notifications.service import notify
from platform_api.proctor.review.models import ProctorDecision, ReviewDecision, ReviewStage

PROCTOR_REVIEWED = "proctor.reviewed"  # the event's type, and the notification's kind

_VERDICTS = {
    ReviewDecision.CLEAN: "found nothing wrong",
    ReviewDecision.SUSPICIOUS: "found it suspicious",
    ReviewDecision.VIOLATION: "found a violation of the exam's rules",
}


class ProctorReviewed(BaseModel):
    """The payload of ``proctor.reviewed`` (webhook subscribers read it: a change that is not
    backward compatible gets a new ``schema_version``)."""

    schema_version: Literal[1] = 1
    sitting_id: uuid.UUID
    learner_id: uuid.UUID
    assignment_id: uuid.UUID
    decision: ReviewDecision
    version: int
    stage: ReviewStage
    reviewer_id: uuid.UUID | None
    decided_at: datetime
    course_id: uuid.UUID | None = None  # added later: older events lack it


async def announce_decision(
    session: AsyncSession, sitting: ExamSitting, assignment: Assignment, decision: ProctorDecision
) -> None:
    event = ProctorReviewed(
        sitting_id=sitting.id,
        learner_id=sitting.learner_id,
        assignment_id=assignment.id,
        decision=decision.decision,
        version=decision.version,
        stage=decision.stage,
        reviewer_id=decision.reviewer_id,
        decided_at=decision.decided_at,
        course_id=assignment.course_id,
    )
    add_event(session, PROCTOR_REVIEWED, event.model_dump(mode="json"))
    learner = await session.get(User, sitting.learner_id)
    if learner is None or not learner.is_active:
        return
    payload = {"sitting_id": str(sitting.id), "decision": decision.decision.value}
    title = f"Proctoring review of {assignment.title}"
    await notify(
        session,
        learner,
        PROCTOR_REVIEWED,
        title,
        _message(assignment, decision),
        payload,
        subject_id=learner.id,
    )


def _message(assignment: Assignment, decision: ProctorDecision) -> str:
    on_appeal = decision.stage is ReviewStage.APPEAL_REVIEW
    appealable = decision.decision is not ReviewDecision.CLEAN and not on_appeal
    return (
        f"A reviewer looked at how your sitting of {assignment.title} was proctored"
        f"{' on appeal' if on_appeal else ''} and {_VERDICTS[decision.decision]}. Your integrity "
        f"report shows why{'; you may appeal' if appealable else ''}."
    )
