"""A job's topics drawn from a class's weakest objectives: new material where the class is stuck.

Each weak objective becomes one topic (its text is the topic and the objective to write for) that
keeps the objective's id, so the job says which objective, and so which lesson, it targets.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, SchoolClass
from platform_api.content.topics_input import (
    MAX_OBJECTIVE_CHARS,
    MAX_TOPIC_CHARS,
    ParsedTopics,
    TopicRow,
)
from platform_api.mastery.weakness import WeakObjective, class_weakest_objectives

# More weak objectives than this in one job would be a curriculum rewrite, not remediation.
MAX_WEAK_OBJECTIVES = 50


class NoWeakObjectives(Conflict):
    """The class has answered nothing below mastery in the course (yet): nothing to target."""

    code = "no_weak_objectives"


async def taught_class(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID
) -> SchoolClass:
    """The class, when the actor teaches it (admins act for any teacher)."""
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound("No such class.", {"class_id": str(class_id)})
    if actor.role is not Role.ADMIN and school_class.teacher_id != actor.user_id:
        raise Forbidden("Only the class's teacher targets its weak objectives.")
    return school_class


async def only_course(session: AsyncSession, class_id: uuid.UUID) -> uuid.UUID:
    """The class's course, when it studies exactly one (the CLI's default target)."""
    courses = list(
        await session.scalars(
            select(ClassCourse.course_id).where(ClassCourse.class_id == class_id).limit(2)
        )
    )
    if len(courses) != 1:
        raise ValidationFailed(
            "Name the course: the class studies "
            + ("no course." if not courses else "several courses."),
            {"class_id": str(class_id)},
        )
    return courses[0]


def _row(number: int, weak: WeakObjective) -> TopicRow:
    text = " ".join(weak.text.split())
    return TopicRow(
        row=number,
        topic=text[:MAX_TOPIC_CHARS],
        objectives=[text[:MAX_OBJECTIVE_CHARS]],
        objective_id=weak.objective_id,
    )


async def weak_objective_topics(
    session: AsyncSession,
    actor: AccessClaims,
    class_id: uuid.UUID,
    course_id: uuid.UUID,
    count: int,
) -> ParsedTopics:
    """One topic per weak objective of the class in the course, the weakest first."""
    await taught_class(session, actor, class_id)
    found = await class_weakest_objectives(session, class_id, count, course_id=course_id)
    weakest = [weak for weak in found if weak.text.strip()]
    if not weakest:
        raise NoWeakObjectives(
            "The class has no weak objective in this course yet: its learners have answered "
            "nothing below mastery there, or the class does not study the course.",
            {"class_id": str(class_id), "course_id": str(course_id)},
        )
    rows = [_row(number, weak) for number, weak in enumerate(weakest, start=1)]
    return ParsedTopics(rows=rows, errors=[])
