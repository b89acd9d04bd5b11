"""The purge of proctoring evidence once it has served its review (GDPR storage limitation).

A session's evidence keyframes (objects) and timeline events go ``proctor_retention_days`` after
its sitting's final review decision, and never while an appeal is open. A sitting nobody
reviewed keeps them ``proctor_unreviewed_retention_days`` after its session ended (its events
were never looked at, and evidence cannot be kept for a review that may never come). What
remains: the decisions, the session with its analysers' availability, its events counted by
kind and severity (``event_summary``) and ``purged_at``.

Sessions are claimed ``FOR UPDATE SKIP LOCKED``, so processes purging at the same time share the
work and never wait on each other. A session's keyframes are deleted before its rows change: a
crash in between leaves the row unmarked with its events in place, and the next run deletes no
more objects, summarises the events and marks the row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Self

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import Database
from core.infra.objects import ObjectStore
from core.settings import Settings
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from platform_api.proctor.review.models import ProctorDecision
from platform_api.proctor.review.state import settled_decisions
from platform_api.proctor.timelines import summarise
from serving.proctoring.evidence import evidence_prefix

PURGE_BATCH = 20  # sessions per transaction


@dataclass(frozen=True)
class RetentionPolicy:
    after_review: timedelta
    unreviewed: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            after_review=timedelta(days=settings.proctor_retention_days),
            unreviewed=timedelta(days=settings.proctor_unreviewed_retention_days),
        )


@dataclass
class PurgeCounts:
    sessions: int = 0
    keyframes: int = 0
    events: int = 0

    def add(self, other: "PurgeCounts") -> None:
        self.sessions += other.sessions
        self.keyframes += other.keyframes
        self.events += other.events


def _due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool]:
    """Sessions not purged yet whose sitting settled long enough ago, or was never reviewed and
    ended long enough ago (a session whose end was never recorded counts from its creation)."""
    settled = settled_decisions().subquery()
    settled_long_ago = select(settled.c.sitting_id).where(
        settled.c.decided_at < now - policy.after_review
    )
    reviewed = exists().where(ProctorDecision.sitting_id == ProctoringSession.sitting_id)
    ended = func.coalesce(ProctoringSession.ended_at, ProctoringSession.created_at)
    return and_(
        ProctoringSession.purged_at.is_(None),
        or_(
            ProctoringSession.sitting_id.in_(settled_long_ago),
            and_(~reviewed, ended < now - policy.unreviewed),
        ),
    )


async def _purge(
    session: AsyncSession, objects: ObjectStore, record: ProctoringSession, now: datetime
) -> PurgeCounts:
    """Delete the session's keyframes, then (in the caller's transaction) its events."""
    keyframes = await objects.delete_prefix(evidence_prefix(record.id.hex))
    query = select(ProctorEvent).where(ProctorEvent.session_id == record.id)
    events = list(await session.scalars(query))
    record.event_summary = [count.model_dump() for count in summarise(events)]
    await session.execute(delete(ProctorEvent).where(ProctorEvent.session_id == record.id))
    record.purged_at = now
    return PurgeCounts(sessions=1, keyframes=keyframes, events=len(events))


async def purge_due(
    database: Database,
    objects: ObjectStore,
    policy: RetentionPolicy,
    now: datetime,
    on_purged: Callable[[PurgeCounts], None] | None = None,
) -> PurgeCounts:
    """Purge every session due at ``now`` that no other process is purging; what this process
    purged (``on_purged`` hears of each batch)."""
    total = PurgeCounts()
    while True:
        batch = PurgeCounts()
        async with database.session() as session, session.begin():
            query = (
                select(ProctoringSession)
                .where(_due(policy, now))
                .order_by(ProctoringSession.created_at, ProctoringSession.id)
                .limit(PURGE_BATCH)
                .with_for_update(skip_locked=True, of=ProctoringSession)
            )
            for record in list(await session.scalars(query)):
                batch.add(await _purge(session, objects, record, now))
        total.add(batch)
        if on_purged is not None and batch.sessions:
            on_purged(batch)
        if batch.sessions < PURGE_BATCH:
            return total


async def due_for_purge(database: Database, policy: RetentionPolicy, now: datetime) -> PurgeCounts:
    """What a purge at ``now`` would remove (keyframes as the events name them); changes
    nothing."""
    due = select(ProctoringSession.id).where(_due(policy, now)).subquery()
    keyframes = func.coalesce(func.sum(func.jsonb_array_length(ProctorEvent.evidence_keys)), 0)
    async with database.session() as session:
        sessions = await session.scalar(select(func.count()).select_from(due))
        events, frames = (
            await session.execute(
                select(func.count(), keyframes).where(ProctorEvent.session_id.in_(select(due.c.id)))
            )
        ).one()
    return PurgeCounts(sessions=int(sessions or 0), keyframes=int(frames), events=int(events))
