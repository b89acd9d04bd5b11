"""When a sitting's review is settled: its latest decision stands and no appeal is open. The purge
of evidence counts its days from then."""

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.proctor.review_models import AppealStatus, ProctorAppeal, ProctorDecision


def _settled_decisions() -> Select[uuid.UUID, datetime]:
    """(sitting, time of its final decision) for each sitting whose review is settled."""
    latest = (
        select(ProctorDecision.sitting_id, func.max(ProctorDecision.version).label("version"))
        .group_by(ProctorDecision.sitting_id)
        .subquery()
    )
    open_appeal = exists().where(
        ProctorAppeal.sitting_id == ProctorDecision.sitting_id,
        ProctorAppeal.status == AppealStatus.OPEN,
    )
    return (
        select(ProctorDecision.sitting_id, ProctorDecision.decided_at)
        .join(
            latest,
            and_(
                latest.c.sitting_id == ProctorDecision.sitting_id,
                latest.c.version == ProctorDecision.version,
            ),
        )
        .where(~open_appeal)
    )


async def settled_before(session: AsyncSession, cutoff: datetime) -> list[uuid.UUID]:
    """The sittings whose final decision (latest version, no open appeal) was made before
    ``cutoff``."""
    query = _settled_decisions().where(ProctorDecision.decided_at < cutoff)
    return list(await session.scalars(query.with_only_columns(ProctorDecision.sitting_id)))


async def settled_at(session: AsyncSession, sitting_id: uuid.UUID) -> datetime | None:
    """The time of the sitting's final decision; None while undecided or under appeal."""
    query = _settled_decisions().where(ProctorDecision.sitting_id == sitting_id)
    return await session.scalar(query.with_only_columns(ProctorDecision.decided_at))


def settled_decisions() -> Select[uuid.UUID, datetime]:
    """(sitting_id, decided_at) of every settled sitting's final decision, as a query to build
    on (the evidence purge joins it to the sessions it has not purged yet)."""
    return _settled_decisions()
