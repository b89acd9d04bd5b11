"""A proctoring session's timeline as the proctor reports it, stored in rows and shown back."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.proctor.models import ProctorEvent, ProctoringSession, ProctorSessionStatus
from platform_api.proctor.schemas import EventCount, EventOut, SessionOut
from proctor.timeline import AnalyserAvailability, Event, Timeline
from serving.proctoring.contract import SessionState


async def store_state(
    session: AsyncSession, record: ProctoringSession, state: SessionState, now: datetime
) -> None:
    """Upsert the events (an open one grows until it ends), the analysers' availability and
    the first identity match, in the caller's transaction."""
    for event in state.timeline.events:
        await session.execute(_upsert(record, event))
    record.availability = {
        name: readings.model_dump() for name, readings in state.timeline.availability.items()
    }
    if state.identity_verified and record.identity_verified_at is None:
        record.identity_verified_at = now


def _upsert(record: ProctoringSession, event: Event) -> Insert:
    values = {
        "kind": event.kind.value,
        "analyser": event.analyser,
        "started_at_seconds": event.started_at,
        "ended_at_seconds": event.ended_at,
        "severity": event.severity.value,
        "peak_value": event.peak_value,
        "signal_count": event.signal_count,
        "evidence_keys": event.evidence_keys,
    }
    statement = insert(ProctorEvent).values(session_id=record.id, event_id=event.id, **values)
    return statement.on_conflict_do_update(
        index_elements=[ProctorEvent.session_id, ProctorEvent.event_id], set_=values
    )


def summarise(events: Iterable[ProctorEvent]) -> list[EventCount]:
    """The events counted by kind and severity, with their keyframes."""
    counts: Counter[tuple[str, str]] = Counter()
    keyframes: Counter[tuple[str, str]] = Counter()
    for event in events:
        counts[event.kind, event.severity] += 1
        keyframes[event.kind, event.severity] += len(event.evidence_keys)
    return [
        EventCount(kind=kind, severity=severity, events=count, keyframes=keyframes[kind, severity])
        for (kind, severity), count in sorted(counts.items())
    ]


def session_summary(record: ProctoringSession, events: Iterable[ProctorEvent]) -> list[EventCount]:
    """The summary kept at the purge, or the one the events still give."""
    if record.purged_at is not None:
        return [EventCount.model_validate(count) for count in record.event_summary]
    return summarise(events)


async def session_out(
    session: AsyncSession, record: ProctoringSession, connection: str | None = None
) -> SessionOut:
    query = select(ProctorEvent).where(ProctorEvent.session_id == record.id)
    events = list(await session.scalars(query.order_by(ProctorEvent.started_at_seconds)))
    notes = Timeline(
        availability={
            name: AnalyserAvailability.model_validate(readings)
            for name, readings in record.availability.items()
        }
    ).availability_notes()
    return SessionOut(
        id=record.id,
        sitting_id=record.sitting_id,
        status=record.status,
        identity_verified=record.identity_verified_at is not None,
        connection=connection if record.status is ProctorSessionStatus.LIVE else None,
        created_at=record.created_at,
        live_at=record.live_at,
        ended_at=record.ended_at,
        events=[_event_out(event) for event in events],
        availability=notes,
        summary=session_summary(record, events),
        purged_at=record.purged_at,
    )


def _event_out(event: ProctorEvent) -> EventOut:
    return EventOut(
        event_id=event.event_id,
        kind=event.kind,
        analyser=event.analyser,
        started_at_seconds=event.started_at_seconds,
        ended_at_seconds=event.ended_at_seconds,
        severity=event.severity,
        peak_value=event.peak_value,
        signal_count=event.signal_count,
        evidence_count=len(event.evidence_keys),
    )
