"""The state of a sitting's review: its decision versions, its appeal, and when it is settled
(its latest decision stands and no appeal is open; the purge of evidence counts from then)."""

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.proctor.review.models import AppealStatus, ProctorAppeal, ProctorDecision
from platform_api.proctor.review.schemas import AppealOut, DecisionOut


async def latest_decision(session: AsyncSession, sitting_id: uuid.UUID) -> ProctorDecision | None:
    query = select(ProctorDecision).where(ProctorDecision.sitting_id == sitting_id)
    return await session.scalar(query.order_by(ProctorDecision.version.desc()).limit(1))


async def appeal_of(
    session: AsyncSession, sitting_id: uuid.UUID, *, lock: bool = False
) -> ProctorAppeal | None:
    """The sitting's appeal (a sitting is appealed once)."""
    query = select(ProctorAppeal).where(ProctorAppeal.sitting_id == sitting_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def review_history(
    session: AsyncSession, sitting_id: uuid.UUID
) -> tuple[list[DecisionOut], AppealOut | None]:
    """Every decision version, oldest first, and the appeal."""
    query = select(ProctorDecision).where(ProctorDecision.sitting_id == sitting_id)
    decisions = list(await session.scalars(query.order_by(ProctorDecision.version)))
    appeal = await appeal_of(session, sitting_id)
    history = [DecisionOut.model_validate(decision) for decision in decisions]
    return history, None if appeal is None else appeal_out(appeal, decisions)


def appeal_out(appeal: ProctorAppeal, decisions: list[ProctorDecision]) -> AppealOut:
    """The appeal, naming decisions by their versions (``decisions``: the sitting's)."""
    versions = {decision.id: decision.version for decision in decisions}
    return AppealOut(
        id=appeal.id,
        appealed_version=versions[appeal.decision_id],
        reason=appeal.reason,
        filed_at=appeal.filed_at,
        status=appeal.status,
        decided_at=appeal.decided_at,
        answered_by_version=None if appeal.resolved_by is None else versions[appeal.resolved_by],
    )


def settled_decisions() -> Select[uuid.UUID, datetime]:
    """(sitting_id, decided_at) of every settled sitting's final decision (its latest version,
    no appeal open), as a query to build on (the evidence purge joins it to the sessions it has
    not purged yet)."""
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
