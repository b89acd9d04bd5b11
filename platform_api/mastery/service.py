"""Mastery per learner and objective: kept current on every graded answer, and read back.

On each graded answer the learner's state for that objective is recomputed from their whole
ordered, graded history with the objective's parameters (fitted, else the defaults). That is a
BKT update per answer (microseconds each; see bench/mastery.py) and makes the state independent
of the order grades arrive in: a short answer graded by the LLM after a later multiple-choice
answer, a redelivered event, or a teacher's regrade (the new grade replaces the old one in the
history) all give the state the ordered answers imply. A transaction-scoped advisory lock per
learner and objective serialises concurrent recomputations, so the last one to commit has read
every grade committed before it.
"""

import uuid

from sqlalchemy import delete, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, Course, LearningObjective, Lesson
from core.infra.database import utcnow
from platform_api.assessments.events import AnswerGraded
from platform_api.mastery import bkt
from platform_api.mastery.history import learner_answers
from platform_api.mastery.models import MasteryState, ObjectiveParameters
from platform_api.mastery.objectives import objective_of
from platform_api.mastery.schemas import ObjectiveMastery
from platform_api.mastery.settings import MasterySettings

STATE_COLUMNS = ("p_known", "answers", "correct", "updated_at")


async def parameters_of(
    session: AsyncSession, objective_id: uuid.UUID, settings: MasterySettings
) -> bkt.BktParameters:
    """The objective's fitted parameters, or the defaults until it has been fitted."""
    fitted = await session.get(ObjectiveParameters, objective_id)
    if fitted is None:
        return settings.defaults
    return bkt.BktParameters(
        prior=fitted.prior, learn=fitted.learn, guess=fitted.guess, slip=fitted.slip
    )


async def _lock(session: AsyncSession, learner_id: uuid.UUID, objective_id: uuid.UUID) -> None:
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"mastery:{learner_id}:{objective_id}"},
    )


async def recompute_state(
    session: AsyncSession,
    learner_id: uuid.UUID,
    objective_id: uuid.UUID,
    settings: MasterySettings,
) -> MasteryState | None:
    """Set the learner's state on the objective from their graded answers (None: no answers)."""
    await _lock(session, learner_id, objective_id)
    rows = await session.execute(learner_answers(learner_id, objective_id))
    answers = [bool(row.correct) for row in rows]
    if not answers:
        await session.execute(
            delete(MasteryState).where(
                MasteryState.learner_id == learner_id, MasteryState.objective_id == objective_id
            )
        )
        return None
    params = await parameters_of(session, objective_id, settings)
    values = {
        "learner_id": learner_id,
        "objective_id": objective_id,
        "p_known": bkt.trace(answers, params),
        "answers": len(answers),
        "correct": sum(answers),
        "updated_at": utcnow(),
    }
    statement = insert(MasteryState).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[MasteryState.learner_id, MasteryState.objective_id],
            set_={name: statement.excluded[name] for name in STATE_COLUMNS},
            # A late, redundant recompute (events applied out of order) keeps ``updated_at``:
            # it says when the state last changed.
            where=or_(
                *(
                    getattr(MasteryState, name) != statement.excluded[name]
                    for name in ("p_known", "answers", "correct")
                )
            ),
        )
    )
    return await session.get(MasteryState, (learner_id, objective_id), populate_existing=True)


async def apply_graded_answer(
    session: AsyncSession, graded: AnswerGraded, settings: MasterySettings
) -> MasteryState | None:
    """Bring the learner's mastery of the answered item's objective up to date."""
    item = await session.get(AssessmentItem, graded.item_id)
    if item is None:  # deleted since (its responses went with it): nothing to trace
        return None
    objective = await objective_of(session, item)
    if objective is None:
        return None
    return await recompute_state(session, graded.learner_id, objective.id, settings)


async def learner_mastery(
    session: AsyncSession,
    learner_id: uuid.UUID,
    settings: MasterySettings,
    course_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[ObjectiveMastery]:
    """The learner's objectives with a state, by course, lesson and objective order."""
    query = (
        select(
            MasteryState,
            LearningObjective,
            Lesson.title,
            Course.title,
            ObjectiveParameters.objective_id.is_not(None),
        )
        .join(LearningObjective, LearningObjective.id == MasteryState.objective_id)
        .join(Lesson, Lesson.id == LearningObjective.lesson_id)
        .join(Course, Course.id == LearningObjective.course_id)
        .outerjoin(ObjectiveParameters, ObjectiveParameters.objective_id == LearningObjective.id)
        .where(MasteryState.learner_id == learner_id)
        .order_by(Course.title, Course.id, Lesson.position, Lesson.id, LearningObjective.position)
        .limit(limit)
        .offset(offset)
    )
    if course_id is not None:
        query = query.where(LearningObjective.course_id == course_id)
    return [
        _mastery_out(state, objective, lesson_title, course_title, fitted, settings)
        for state, objective, lesson_title, course_title, fitted in await session.execute(query)
    ]


def _mastery_out(
    state: MasteryState,
    objective: LearningObjective,
    lesson_title: str,
    course_title: str,
    fitted: bool,
    settings: MasterySettings,
) -> ObjectiveMastery:
    return ObjectiveMastery(
        objective_id=objective.id,
        objective=objective.text,
        lesson_id=objective.lesson_id,
        lesson_title=lesson_title,
        course_id=objective.course_id,
        course_title=course_title,
        p_known=state.p_known,
        answers=state.answers,
        correct=state.correct,
        mastered=state.p_known >= settings.mastered_at,
        mastered_at=settings.mastered_at,
        fitted=fitted,
        updated_at=state.updated_at,
    )
