"""The review queue: ended sittings of proctored exams, by the state of their review, with what
a reviewer triages on (events by severity, the commonest kinds, how the sitting was proctored).

Unproctored and exempt sittings are listed too, flagged by their mode: a person judges them as
well. A teacher sees the classes they teach; the `proctor` role and admins see every class.
"""

import uuid
from collections import Counter, defaultdict

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.auth.models import User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import SchoolClass
from platform_api.proctor.models import (
    ExemptionStatus,
    ProctorEvent,
    ProctorExemption,
    ProctoringSession,
)
from platform_api.proctor.review.models import AppealStatus, ProctorAppeal, ProctorDecision
from platform_api.proctor.review.reviewers import REVIEW_EVERYWHERE
from platform_api.proctor.review.schemas import (
    DecisionOut,
    KindCount,
    ReviewQueueEntry,
    ReviewQueuePage,
    ReviewState,
)
from platform_api.proctor.views import proctoring_mode

TOP_KINDS = 3


def _state_filter(state: ReviewState) -> ColumnElement[bool]:
    decided = exists().where(ProctorDecision.sitting_id == ExamSitting.id)
    appealed = exists().where(
        ProctorAppeal.sitting_id == ExamSitting.id, ProctorAppeal.status == AppealStatus.OPEN
    )
    if state is ReviewState.PENDING:
        return ~decided
    if state is ReviewState.APPEALED:
        return appealed
    return decided & ~appealed


def _queue_query(actor: AccessClaims, state: ReviewState) -> Select[ExamSitting, Assignment]:
    query = (
        select(ExamSitting, Assignment)
        .join(Assignment, Assignment.id == ExamSitting.assignment_id)
        .where(Assignment.requires_proctoring, ExamSitting.ended_at.is_not(None))
        .where(_state_filter(state))
    )
    if actor.role not in REVIEW_EVERYWHERE:
        taught = select(SchoolClass.id).where(SchoolClass.teacher_id == actor.user_id)
        query = query.where(Assignment.class_id.in_(taught))
    return query


async def review_queue(
    session: AsyncSession, actor: AccessClaims, state: ReviewState, limit: int, offset: int
) -> ReviewQueuePage:
    """Pending and appealed sittings oldest first (first come, first judged); decided ones
    most recent first."""
    query = _queue_query(actor, state)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    ended = ExamSitting.ended_at.desc() if state is ReviewState.DECIDED else ExamSitting.ended_at
    page = await session.execute(query.order_by(ended, ExamSitting.id).limit(limit).offset(offset))
    rows = [(row[0], row[1]) for row in page.all()]
    summaries = await _Summaries.load(session, [sitting for sitting, _ in rows])
    items = [summaries.entry(sitting, assignment) for sitting, assignment in rows]
    return ReviewQueuePage(items=items, total=total or 0, limit=limit, offset=offset)


class _Summaries:
    """What the queue shows beside each sitting of one page, read in a few set queries."""

    def __init__(self) -> None:
        self.severities: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
        self.kinds: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
        self.streamed: set[uuid.UUID] = set()
        self.exempt: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.latest: dict[uuid.UUID, ProctorDecision] = {}
        self.appeals: dict[uuid.UUID, AppealStatus] = {}
        self.names: dict[uuid.UUID, str] = {}

    @classmethod
    async def load(cls, session: AsyncSession, sittings: list[ExamSitting]) -> "_Summaries":
        summaries = cls()
        ids = [sitting.id for sitting in sittings]
        if ids:
            await summaries._load_events(session, ids)
            await summaries._load_modes(session, sittings)
            await summaries._load_reviews(session, ids)
            await summaries._load_names(session, {sitting.learner_id for sitting in sittings})
        return summaries

    async def _load_names(self, session: AsyncSession, learners: set[uuid.UUID]) -> None:
        found = await session.execute(
            select(User.id, User.display_name).where(User.id.in_(learners))
        )
        self.names = {learner_id: name for learner_id, name in found.all()}

    async def _load_events(self, session: AsyncSession, ids: list[uuid.UUID]) -> None:
        query = (
            select(ProctoringSession.sitting_id, ProctorEvent.severity, ProctorEvent.kind)
            .join(ProctorEvent, ProctorEvent.session_id == ProctoringSession.id)
            .where(ProctoringSession.sitting_id.in_(ids))
        )
        for sitting_id, severity, kind in (await session.execute(query)).all():
            self.severities[sitting_id][severity] += 1
            self.kinds[sitting_id][kind] += 1
        purged = select(ProctoringSession.sitting_id, ProctoringSession.event_summary).where(
            ProctoringSession.sitting_id.in_(ids), ProctoringSession.purged_at.is_not(None)
        )
        for sitting_id, summary in (await session.execute(purged)).all():
            for count in summary:  # what the purge left of its events
                self.severities[sitting_id][count["severity"]] += count["events"]
                self.kinds[sitting_id][count["kind"]] += count["events"]

    async def _load_modes(self, session: AsyncSession, sittings: list[ExamSitting]) -> None:
        live = select(ProctoringSession.sitting_id).where(
            ProctoringSession.sitting_id.in_([sitting.id for sitting in sittings]),
            ProctoringSession.live_at.is_not(None),
        )
        self.streamed = set(await session.scalars(live))
        approved = select(ProctorExemption.learner_id, ProctorExemption.assignment_id).where(
            ProctorExemption.learner_id.in_({sitting.learner_id for sitting in sittings}),
            ProctorExemption.status == ExemptionStatus.APPROVED,
        )
        self.exempt = {(learner, exam) for learner, exam in (await session.execute(approved))}

    async def _load_reviews(self, session: AsyncSession, ids: list[uuid.UUID]) -> None:
        decisions = select(ProctorDecision).where(ProctorDecision.sitting_id.in_(ids))
        for decision in await session.scalars(decisions.order_by(ProctorDecision.version)):
            self.latest[decision.sitting_id] = decision  # the highest version stays
        appeals = select(ProctorAppeal.sitting_id, ProctorAppeal.status)
        found = await session.execute(appeals.where(ProctorAppeal.sitting_id.in_(ids)))
        self.appeals = {sitting_id: status for sitting_id, status in found.all()}

    def entry(self, sitting: ExamSitting, assignment: Assignment) -> ReviewQueueEntry:
        exempt = (sitting.learner_id, assignment.id) in self.exempt
        latest = self.latest.get(sitting.id)
        return ReviewQueueEntry(
            sitting_id=sitting.id,
            learner_id=sitting.learner_id,
            learner_name=self.names.get(sitting.learner_id, ""),
            assignment_id=assignment.id,
            class_id=assignment.class_id,
            exam_title=assignment.title,
            ended_at=sitting.ended_at,
            mode=proctoring_mode(assignment, exempt, sitting.id in self.streamed),
            severity_counts=dict(self.severities[sitting.id]),
            top_kinds=[
                KindCount(kind=kind, count=count)
                for kind, count in self.kinds[sitting.id].most_common(TOP_KINDS)
            ],
            latest_decision=None if latest is None else DecisionOut.model_validate(latest),
            appeal_status=self.appeals.get(sitting.id),
        )
