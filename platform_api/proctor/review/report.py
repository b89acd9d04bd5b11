"""A sitting's integrity report: the proctor's events, the browser's events and the tutor's
refusals in one time line, with how the sitting was proctored and what reviewers decided.

The proctor times its events in seconds since the session started listening, which is when the
platform marked the session live (its ``live_at``, at the first answered offer): each event's
absolute time is ``live_at`` plus its seconds. The tutor's refusals carry their own times.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.base import AnalyticsError
from platform_api.assessments.models import ExamSitting
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.exemptions import approved_exemption
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from platform_api.proctor.review.keyframes import keyframe_path
from platform_api.proctor.review.refusals import refused_requests
from platform_api.proctor.review.reviewers import reported_sitting
from platform_api.proctor.review.schemas import IntegrityReport, ReportEntry, ReportSession
from platform_api.proctor.review.state import review_history
from platform_api.proctor.timelines import session_summary
from platform_api.proctor.views import proctoring_mode
from proctor.client_events import ANALYSER as CLIENT_ANALYSER
from proctor.timeline import AnalyserAvailability

logger = logging.getLogger(__name__)

MAX_PROCTOR_EVENTS = 1000
MAX_TUTOR_REFUSALS = 200
MESSAGE_CHARACTERS = 500
TIME_NOTE = (
    "Proctor and client events: their session's live_at plus the seconds the proctor stored "
    "(started_at_seconds); tutor refusals: when the tutor answered."
)
TUTOR_UNAVAILABLE = "tutor refusals: unavailable (the analytics store did not answer)"


async def integrity_report(
    session: AsyncSession,
    analytics: AnalyticsStore,
    actor: AccessClaims,
    sitting_id: uuid.UUID,
    now: datetime,
) -> IntegrityReport:
    sitting, assignment, reviewer = await reported_sitting(session, actor, sitting_id)
    query = select(ProctoringSession).where(ProctoringSession.sitting_id == sitting.id)
    records = list(await session.scalars(query.order_by(ProctoringSession.created_at)))
    events = await _events(session, records)
    by_id = {record.id: record for record in records}
    entries = [_event_entry(sitting.id, by_id[e.session_id], e, reviewer) for e in events]
    refusals, tutor_note = await _refusal_entries(analytics, sitting, now)
    entries.extend(refusals)
    entries.sort(key=lambda entry: entry.at)
    exempt = await approved_exemption(session, sitting.learner_id, assignment.id) is not None
    streamed = any(record.live_at is not None for record in records)
    decisions, appeal = await review_history(session, sitting.id)
    sessions = [_session_out(record, events) for record in records]
    return IntegrityReport(
        sitting_id=sitting.id,
        learner_id=sitting.learner_id,
        assignment_id=assignment.id,
        exam_title=assignment.title,
        mode=proctoring_mode(assignment, exempt, streamed),
        started_at=sitting.started_at,
        ended_at=sitting.ended_at,
        time_note=TIME_NOTE,
        sessions=sessions,
        availability=[*_availability_notes(records), *tutor_note],
        severity_counts=_severity_counts(sessions),
        entries=entries,
        truncated=len(events) == MAX_PROCTOR_EVENTS or len(refusals) == MAX_TUTOR_REFUSALS,
        evidence_shown=reviewer,
        decisions=decisions,
        appeal=appeal,
    )


async def _events(session: AsyncSession, records: list[ProctoringSession]) -> list[ProctorEvent]:
    if not records:
        return []
    query = select(ProctorEvent).where(ProctorEvent.session_id.in_([r.id for r in records]))
    ordered = query.order_by(ProctorEvent.started_at_seconds, ProctorEvent.event_id)
    return list(await session.scalars(ordered.limit(MAX_PROCTOR_EVENTS)))


def _event_entry(
    sitting_id: uuid.UUID, record: ProctoringSession, event: ProctorEvent, with_evidence: bool
) -> ReportEntry:
    anchor = record.live_at or record.created_at
    ended = event.ended_at_seconds
    evidence = range(len(event.evidence_keys)) if with_evidence else range(0)
    return ReportEntry(
        source="client" if event.analyser == CLIENT_ANALYSER else "proctor",
        kind=event.kind,
        at=anchor + timedelta(seconds=event.started_at_seconds),
        ended_at=None if ended is None else anchor + timedelta(seconds=ended),
        severity=event.severity,
        analyser=event.analyser,
        session_id=record.id,
        event_id=event.event_id,
        started_at_seconds=event.started_at_seconds,
        ended_at_seconds=ended,
        evidence_count=len(event.evidence_keys),
        evidence=[keyframe_path(sitting_id, event.event_id, index) for index in evidence],
    )


async def _refusal_entries(
    analytics: AnalyticsStore, sitting: ExamSitting, now: datetime
) -> tuple[list[ReportEntry], list[str]]:
    """The tutor's refusals during the sitting; when they cannot be read, a note says so."""
    end = sitting.ended_at or now
    try:
        found = await refused_requests(
            analytics,
            sitting.learner_id,
            sitting.course_id,
            sitting.started_at,
            end,
            MAX_TUTOR_REFUSALS,
        )
    except AnalyticsError:
        logger.warning("tutor refusals unreadable", extra={"sitting_id": str(sitting.id)})
        return [], [TUTOR_UNAVAILABLE]
    return [
        ReportEntry(
            source="tutor",
            kind="tutor_refused",
            at=refusal.at,
            message=refusal.message[:MESSAGE_CHARACTERS],
            message_truncated=len(refusal.message) > MESSAGE_CHARACTERS,
        )
        for refusal in found
    ], []


def _session_out(record: ProctoringSession, events: list[ProctorEvent]) -> ReportSession:
    return ReportSession(
        id=record.id,
        live_at=record.live_at,
        ended_at=record.ended_at,
        identity_verified=record.identity_verified_at is not None,
        summary=session_summary(record, [e for e in events if e.session_id == record.id]),
        purged_at=record.purged_at,
    )


def _severity_counts(sessions: list[ReportSession]) -> dict[str, int]:
    """From the sessions' summaries, so that purged events still count."""
    counts: Counter[str] = Counter()
    for reported in sessions:
        for count in reported.summary:
            counts[count.severity] += count.events
    return dict(counts)


def _availability_notes(records: list[ProctoringSession]) -> list[str]:
    """Each analyser's readings summed over the sitting's sessions, as the proctor words them."""
    totals: dict[str, Counter[str]] = {}
    for record in records:
        for name, readings in record.availability.items():
            totals.setdefault(name, Counter()).update(readings)
    return [
        AnalyserAvailability.model_validate(dict(totals[name])).describe(name)
        for name in sorted(totals)
    ]
