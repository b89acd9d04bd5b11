"""Test data for mastery: a course whose lessons carry the simulated objectives, and the
simulated learners' graded responses written in bulk (SQL, not thousands of HTTP calls).

The lessons exercise every way an item finds its objective: lesson 1 lists two objectives and
its items name theirs (``objective_id``); lesson 2 lists one and its items name none (the
lesson's first); lesson 3 lists none (an objective named after the lesson's title).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    ItemKind,
    LearningObjective,
    Lesson,
    LessonStatus,
    Unit,
)
from platform_api.assessments.models import (
    ExamSitting,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.auth.models import Role, User
from platform_api.mastery.objectives import sync_objectives
from tests.mastery.simulator import SimulatedObjective, Simulation

START = datetime(2026, 9, 1, 8, tzinfo=UTC)


@dataclass(frozen=True)
class SeededCourse:
    course_id: uuid.UUID
    objective_ids: dict[str, uuid.UUID]  # by simulated objective name
    item_ids: dict[str, list[uuid.UUID]]  # in answer order


async def seed_course(session: AsyncSession, objectives: list[SimulatedObjective]) -> SeededCourse:
    """A course whose lessons map the objectives' items as the module docstring says (needs
    four objectives: two in lesson 1, one each in lessons 2 and 3)."""
    curriculum = Curriculum(title="Simulated")
    session.add(curriculum)
    await session.flush()
    course = Course(curriculum_id=curriculum.id, title="Simulated course")
    session.add(course)
    await session.flush()
    unit = Unit(course_id=course.id, title="Unit", position=0)
    session.add(unit)
    await session.flush()
    first, second, third, fourth = (o.name for o in objectives)
    listed = [[f"Objective {first}", f"Objective {second}"], [f"Objective {third}"], []]
    lessons = [_lesson(course.id, unit.id, index, names) for index, names in enumerate(listed)]
    session.add_all(lessons)
    await sync_objectives(session, [lesson.id for lesson in lessons])
    objective_ids = await _objective_ids(session, lessons, [first, second, third, fourth])
    placement = {first: (lessons[0], True), second: (lessons[0], True)}
    placement |= {third: (lessons[1], False), fourth: (lessons[2], False)}
    item_ids = {}
    for objective in objectives:
        lesson, named = placement[objective.name]
        own = objective_ids[objective.name] if named else None
        items = [_item(lesson, own, objective.name, k) for k in range(objective.items)]
        session.add_all(items)
        item_ids[objective.name] = [item.id for item in items]
    await session.commit()
    return SeededCourse(course.id, objective_ids, item_ids)


def _lesson(course_id: uuid.UUID, unit_id: uuid.UUID, position: int, names: list[str]) -> Lesson:
    return Lesson(
        id=uuid.uuid4(),
        course_id=course_id,
        unit_id=unit_id,
        title=f"Lesson {position + 1}",
        body_markdown="",
        objectives=names,
        key_terms=[],
        assets=[],
        position=position,
        status=LessonStatus.PUBLISHED,
        version=1,
    )


def _item(
    lesson: Lesson, objective_id: uuid.UUID | None, name: str, position: int
) -> AssessmentItem:
    return AssessmentItem(
        id=uuid.uuid4(),
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        kind=ItemKind.MULTIPLE_CHOICE,
        prompt=f"{name} item {position}",
        options=[{"label": "A", "text": "right"}, {"label": "B", "text": "wrong"}],
        answer="A",
        position=position,
        objective_id=objective_id,
    )


async def _objective_ids(
    session: AsyncSession, lessons: list[Lesson], names: list[str]
) -> dict[str, uuid.UUID]:
    """Objectives in lesson and position order, named after the simulated objectives."""
    rows = await session.execute(
        select(LearningObjective.id, LearningObjective.lesson_id, LearningObjective.position).where(
            LearningObjective.lesson_id.in_([lesson.id for lesson in lessons])
        )
    )
    order = {lesson.id: index for index, lesson in enumerate(lessons)}
    ordered = sorted(rows, key=lambda row: (order[row.lesson_id], row.position))
    return {name: row.id for name, row in zip(names, ordered, strict=True)}


async def insert_learners(session: AsyncSession, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await session.execute(
        insert(User),
        [
            {
                "id": learner_id,
                "email": f"sim-{learner_id.hex[:12]}@example.org",
                "email_hash": f"sim-{learner_id.hex[:12]}@example.org",
                "display_name": "Simulated learner",
                "role": Role.STUDENT,
            }
            for learner_id in ids
        ],
    )
    return ids


async def insert_responses(
    session: AsyncSession,
    seeded: SeededCourse,
    simulation: Simulation,
    learner_ids: list[uuid.UUID],
) -> int:
    """One ended, graded sitting per learner with every simulated answer, objective after
    objective, one a minute; return how many responses were written."""
    sittings = {learner_id: uuid.uuid4() for learner_id in learner_ids}
    await session.execute(
        insert(ExamSitting),
        [
            {
                "id": sitting_id,
                "learner_id": learner_id,
                "course_id": seeded.course_id,
                "is_exam": False,
                "status": SittingStatus.GRADED,
                "started_at": START,
                "ended_at": START + timedelta(hours=3),
            }
            for learner_id, sitting_id in sittings.items()
        ],
    )
    rows = [
        _response(sittings[learner_id], item_id, bool(correct), minute)
        for learner, learner_id in enumerate(learner_ids)
        for minute, (item_id, correct) in enumerate(_answers(seeded, simulation, learner))
    ]
    await session.execute(insert(Response), rows)
    return len(rows)


def _answers(
    seeded: SeededCourse, simulation: Simulation, learner: int
) -> list[tuple[uuid.UUID, bool]]:
    return [
        (item_id, simulation.correct[objective.name][learner, position])
        for objective in simulation.objectives
        for position, item_id in enumerate(seeded.item_ids[objective.name])
    ]


def _response(
    sitting_id: uuid.UUID, item_id: uuid.UUID, correct: bool, minute: int
) -> dict[str, object]:
    answered_at = START + timedelta(minutes=minute)
    return {
        "id": uuid.uuid4(),
        "sitting_id": sitting_id,
        "item_id": item_id,
        "item_version": 1,
        "answer": "A" if correct else "B",
        "first_answered_at": answered_at,
        "answered_at": answered_at,
        "grading_status": GradingStatus.GRADED,
        "max_points": 1.0,
        "points": 1.0 if correct else 0.0,
        "correct": correct,
        "graded_by": GradeSource.RULE,
        "grade_version": 1,
        "graded_at": answered_at,
    }
