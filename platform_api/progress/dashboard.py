"""The teacher's dashboard of a class: mastery grid, most missed items, who is inactive, completion.

Mastery (BKT's P(known)) comes from PostgreSQL's ``mastery_states``; what learners did (answers,
lessons completed, last activity) from the statements in ClickHouse.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, LearningObjective
from core.infra.analytics import AnalyticsStore
from core.infra.analytics.encoding import utc_of
from platform_api.mastery.models import MasteryState
from platform_api.progress import queries
from platform_api.progress.roster import Roster
from platform_api.progress.schemas import (
    ClassDashboard,
    InactiveLearner,
    LearnerCompletion,
    LearnerRef,
    MasteryCell,
    ObjectiveRef,
    WrongItem,
)
from platform_api.progress.service import completion, published_lessons

MOST_WRONG = 10
PROMPT_PREVIEW = 200


async def _mastery(
    session: AsyncSession, analytics: AnalyticsStore, roster: Roster
) -> tuple[list[ObjectiveRef], list[MasteryCell]]:
    """Objective × learner cells that have a mastery state or answers, and their objectives."""
    answered = await queries.objective_answers(analytics, roster.learner_ids, roster.course_ids)
    states = {
        (state.objective_id, state.learner_id): state.p_known
        for state in await session.scalars(
            select(MasteryState)
            .join(LearningObjective, LearningObjective.id == MasteryState.objective_id)
            .where(
                MasteryState.learner_id.in_(roster.learner_ids),
                LearningObjective.course_id.in_(roster.course_ids),
            )
        )
    }
    keys = sorted(set(answered) | set(states))
    cells = [
        MasteryCell(
            objective_id=objective,
            learner_id=learner,
            p_known=states.get((objective, learner)),
            answers=answered.get((objective, learner), (0, 0))[0],
            correct=answered.get((objective, learner), (0, 0))[1],
        )
        for objective, learner in keys
    ]
    objectives = await session.scalars(
        select(LearningObjective)
        .where(LearningObjective.id.in_({objective for objective, _ in keys}))
        .order_by(
            LearningObjective.course_id, LearningObjective.lesson_id, LearningObjective.position
        )
    )
    refs = [
        ObjectiveRef(id=o.id, course_id=o.course_id, lesson_id=o.lesson_id, text=o.text)
        for o in objectives
    ]
    return refs, cells


async def _most_wrong(
    session: AsyncSession, analytics: AnalyticsStore, roster: Roster
) -> list[WrongItem]:
    counted = await queries.most_wrong_items(
        analytics, roster.learner_ids, roster.course_ids, MOST_WRONG
    )
    items = {
        item.id: item
        for item in await session.scalars(
            select(AssessmentItem).where(AssessmentItem.id.in_([item for item, _, _ in counted]))
        )
    }
    return [
        WrongItem(
            item_id=item_id,
            lesson_id=items[item_id].lesson_id if item_id in items else None,
            prompt=items[item_id].prompt[:PROMPT_PREVIEW] if item_id in items else "",
            wrong=wrong,
            answers=answers,
        )
        for item_id, wrong, answers in counted
    ]


async def _inactive(
    analytics: AnalyticsStore, roster: Roster, now: datetime, days: int
) -> list[InactiveLearner]:
    last = {
        learner: utc_of(text)
        for learner, text in (await queries.last_active(analytics, roster.learner_ids)).items()
    }
    cutoff = now - timedelta(days=days)
    return [
        InactiveLearner(
            learner_id=learner.id,
            display_name=learner.display_name,
            last_active_at=last.get(learner.id),
        )
        for learner in roster.learners
        if last.get(learner.id) is None or last[learner.id] < cutoff
    ]


async def _completion(
    session: AsyncSession, analytics: AnalyticsStore, roster: Roster
) -> tuple[list[LearnerCompletion], dict[uuid.UUID, int]]:
    published = await published_lessons(session, roster.course_ids)
    done = await queries.completed_lessons(analytics, roster.learner_ids)
    rows = []
    for learner in roster.learner_ids:
        for course in roster.course_ids:
            count, share = completion(
                done.get((learner, course), set()), published.get(course, set())
            )
            rows.append(
                LearnerCompletion(
                    learner_id=learner, course_id=course, lessons_completed=count, completion=share
                )
            )
    return rows, {course: len(published.get(course, set())) for course in roster.course_ids}


async def class_dashboard(
    session: AsyncSession,
    analytics: AnalyticsStore,
    roster: Roster,
    *,
    now: datetime,
    inactive_after_days: int,
) -> ClassDashboard:
    objectives, cells = await _mastery(session, analytics, roster)
    completions, lessons_published = await _completion(session, analytics, roster)
    return ClassDashboard(
        class_id=roster.school_class.id,
        learners=[LearnerRef(id=u.id, display_name=u.display_name) for u in roster.learners],
        objectives=objectives,
        mastery=cells,
        most_wrong_items=await _most_wrong(session, analytics, roster),
        inactive_learners=await _inactive(analytics, roster, now, inactive_after_days),
        inactive_after_days=inactive_after_days,
        completion=completions,
        lessons_published=lessons_published,
    )
