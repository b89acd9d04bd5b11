"""Who may judge a proctored sitting, object by object: the class's teacher (their classes only),
the `proctor` role and admins; its learner sees their own report. Anyone else is told the
sitting does not exist (404), so ids cannot be probed."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.assessments.views import sitting_in_class
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import SchoolClass

# Review every class's sittings; a teacher reviews only the classes they teach.
REVIEW_EVERYWHERE = frozenset({Role.PROCTOR, Role.ADMIN})


def may_review(actor: AccessClaims, school_class: SchoolClass) -> bool:
    if actor.role in REVIEW_EVERYWHERE:
        return True
    return actor.role is Role.TEACHER and school_class.teacher_id == actor.user_id


async def reviewable_sitting(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID
) -> tuple[ExamSitting, Assignment]:
    sitting, assignment, school_class = await sitting_in_class(session, sitting_id)
    if not may_review(actor, school_class):
        raise NotFound("No such sitting.")
    return sitting, assignment


async def reported_sitting(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID
) -> tuple[ExamSitting, Assignment, bool]:
    """The sitting and whether the actor reviews it (False: its learner, who sees no images)."""
    sitting, assignment, school_class = await sitting_in_class(session, sitting_id)
    if may_review(actor, school_class):
        return sitting, assignment, True
    if actor.role is Role.STUDENT and sitting.learner_id == actor.user_id:
        return sitting, assignment, False
    raise NotFound("No such sitting.")


async def lock_sitting(session: AsyncSession, sitting_id: uuid.UUID) -> None:
    """Decisions and appeals of one sitting, one at a time (until the caller's commit)."""
    await session.execute(
        select(ExamSitting.id).where(ExamSitting.id == sitting_id).with_for_update()
    )
