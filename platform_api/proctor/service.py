"""Queries about proctoring sessions that other domains ask (the answer gate, the tutor lock)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.proctor.models import ProctoringSession, ProctorSessionStatus


async def running_session(session: AsyncSession, sitting_id: uuid.UUID) -> ProctoringSession | None:
    """The sitting's session that has not ended (at most one)."""
    query = select(ProctoringSession).where(
        ProctoringSession.sitting_id == sitting_id,
        ProctoringSession.status != ProctorSessionStatus.ENDED,
    )
    return await session.scalar(query)
