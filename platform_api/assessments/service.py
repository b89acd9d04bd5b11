"""Queries about exam sittings."""

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import ExamSitting


async def exam_in_progress(
    session: AsyncSession, learner_id: uuid.UUID, course_id: uuid.UUID
) -> bool:
    query = select(
        exists().where(
            ExamSitting.learner_id == learner_id,
            ExamSitting.course_id == course_id,
            ExamSitting.is_exam,
            ExamSitting.ended_at.is_(None),
        )
    )
    return bool(await session.scalar(query))
