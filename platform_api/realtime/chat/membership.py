"""Who takes part in a class's channel: its teacher and its enrolled learners, nobody else."""

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, NotFound
from platform_api.classes.models import Enrollment, SchoolClass


async def ensure_member(session: AsyncSession, user_id: uuid.UUID, class_id: uuid.UUID) -> None:
    """Refuse anyone but the class's teacher and enrolled learners (404 for no such class)."""
    teacher_id = await session.scalar(
        select(SchoolClass.teacher_id).where(SchoolClass.id == class_id)
    )
    if teacher_id is None:
        raise NotFound("No such class.")
    if teacher_id == user_id:
        return
    enrolled = await session.scalar(
        select(exists().where(Enrollment.class_id == class_id, Enrollment.student_id == user_id))
    )
    if not enrolled:
        raise Forbidden("Only the class's teacher and enrolled learners take part in its chat.")
