"""Weak objectives: what a learner, or a class, has answered but not yet mastered.

Read by the tutor (the learner context names them) and by content generation (a job's topics
drawn from a class's weakest objectives). An objective nobody has answered is unknown, not weak:
its prior says nothing about these learners.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.curriculum.models import LearningObjective, Lesson
from platform_api.classes.models import ClassCourse, Enrollment
from platform_api.mastery.models import MasteryState
from platform_api.mastery.settings import MasterySettings


def _mastered_at() -> float:
    """The P(known) from which an objective counts as mastered (``WC_MASTERY_MASTERED_AT``)."""
    return MasterySettings().mastered_at


@dataclass(frozen=True)
class WeakObjective:
    """An objective below mastery, with where it is taught and how sure the estimate is."""

    objective_id: uuid.UUID
    text: str
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_title: str
    p_known: float  # the learner's, or the mean over the class's learners who answered
    learners: int  # learners whose answers the estimate rests on (1 for one learner)
    answers: int


Estimate = ColumnElement[Any] | InstrumentedAttribute[Any]


def _weak_query(
    p_known: Estimate, learners: Estimate, answers: Estimate
) -> Select[*tuple[Any, ...]]:
    """Objectives with their lesson and the given estimate, over answered mastery states."""
    return (
        select(
            LearningObjective.id.label("objective_id"),
            LearningObjective.text,
            LearningObjective.course_id,
            Lesson.id.label("lesson_id"),
            Lesson.title.label("lesson_title"),
            p_known.label("p_known"),
            learners.label("learners"),
            answers.label("answers"),
        )
        .join(MasteryState, MasteryState.objective_id == LearningObjective.id)
        .join(Lesson, Lesson.id == LearningObjective.lesson_id)
        .where(MasteryState.answers > 0)
    )


def _objectives(rows: Sequence[Row[Any]]) -> list[WeakObjective]:
    return [
        WeakObjective(
            objective_id=row.objective_id,
            text=row.text,
            course_id=row.course_id,
            lesson_id=row.lesson_id,
            lesson_title=row.lesson_title,
            p_known=float(row.p_known),
            learners=int(row.learners),
            answers=int(row.answers),
        )
        for row in rows
    ]


async def weak_objectives(
    session: AsyncSession,
    learner_id: uuid.UUID,
    course_id: uuid.UUID,
    limit: int,
    threshold: float | None = None,
) -> list[WeakObjective]:
    """The learner's answered objectives of a course below ``threshold``, least known first."""
    query = (
        _weak_query(MasteryState.p_known, literal(1), MasteryState.answers)
        .where(
            MasteryState.learner_id == learner_id,
            LearningObjective.course_id == course_id,
            MasteryState.p_known < (threshold or _mastered_at()),
        )
        .order_by(MasteryState.p_known, MasteryState.answers.desc(), LearningObjective.id)
        .limit(limit)
    )
    return _objectives((await session.execute(query)).all())


async def class_weakest_objectives(
    session: AsyncSession,
    class_id: uuid.UUID,
    limit: int,
    course_id: uuid.UUID | None = None,
    threshold: float | None = None,
) -> list[WeakObjective]:
    """The objectives of the class's courses whose P(known), averaged over the enrolled learners
    who answered them, is below ``threshold``: least known first, and among equals the one more
    learners answered (the surer estimate). ``course_id`` keeps one of the class's courses."""
    mean = func.avg(MasteryState.p_known)
    learners = func.count(MasteryState.learner_id)
    enrolled = select(Enrollment.student_id).where(Enrollment.class_id == class_id)
    courses = select(ClassCourse.course_id).where(ClassCourse.class_id == class_id)
    query = _weak_query(mean, learners, func.sum(MasteryState.answers)).where(
        MasteryState.learner_id.in_(enrolled), LearningObjective.course_id.in_(courses)
    )
    if course_id is not None:
        query = query.where(LearningObjective.course_id == course_id)
    query = (
        query.group_by(LearningObjective.id, Lesson.id)
        .having(mean < (threshold or _mastered_at()))
        .order_by(mean, learners.desc(), LearningObjective.id)
        .limit(limit)
    )
    return _objectives((await session.execute(query)).all())
