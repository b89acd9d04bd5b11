"""Courses written for these tests: a few lessons on distinct topics, each with an exercise."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    ItemKind,
    Lesson,
    LessonStatus,
    Unit,
)


@dataclass
class LessonSpec:
    title: str
    body: str
    objectives: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    status: LessonStatus = LessonStatus.PUBLISHED
    source_key: str | None = None


@dataclass
class CourseRecord:
    course_id: uuid.UUID
    unit_id: uuid.UUID
    lesson_ids: list[uuid.UUID]


async def make_course(
    session: AsyncSession, title: str, lessons: list[LessonSpec], chapter: str = "Chapter 1"
) -> CourseRecord:
    curriculum = Curriculum(title=f"{title} curriculum")
    session.add(curriculum)
    await session.flush()
    course = Course(curriculum_id=curriculum.id, title=title)
    session.add(course)
    await session.flush()
    unit = Unit(course_id=course.id, title=chapter, position=1)
    session.add(unit)
    await session.flush()
    ids = []
    for position, spec in enumerate(lessons):
        lesson = Lesson(
            course_id=course.id,
            unit_id=unit.id,
            title=spec.title,
            body_markdown=spec.body,
            objectives=spec.objectives,
            status=spec.status,
            position=position,
            source_key=spec.source_key,
        )
        session.add(lesson)
        await session.flush()
        for index, prompt in enumerate(spec.exercises):
            session.add(
                AssessmentItem(
                    lesson_id=lesson.id,
                    course_id=course.id,
                    kind=ItemKind.FREE_RESPONSE,
                    prompt=prompt,
                    position=index,
                )
            )
        ids.append(lesson.id)
    await session.commit()
    return CourseRecord(course.id, unit.id, ids)


PHOTOSYNTHESIS = LessonSpec(
    title="How plants make sugar",
    objectives=["Describe the inputs and outputs of photosynthesis"],
    body=(
        "## Light reactions\n\n"
        "Chlorophyll in the thylakoid membranes absorbs red and blue light. The captured energy "
        "splits water molecules, releasing oxygen gas as a by-product.\n\n"
        "## The Calvin cycle\n\n"
        "In the stroma, the enzyme rubisco fixes carbon dioxide into three-carbon sugars, "
        "powered by ATP and NADPH from the light reactions."
    ),
    exercises=["Which gas do plants release when water molecules are split?"],
    source_key="m90001",
)
LOOPS = LessonSpec(
    title="Repeating work with loops",
    objectives=["Write a for loop over a range"],
    body=(
        "A `for` loop runs its body once for every item of a sequence.\n\n"
        "```python\n"
        "for count in range(3):\n"
        "\n"
        "    print(count)\n"
        "```\n\n"
        "A `while` loop keeps going as long as its condition stays true; forgetting to update "
        "the condition produces an infinite loop."
    ),
    exercises=["What does range(3) produce when used in a for loop?"],
)
VOLCANOES = LessonSpec(
    title="Volcanoes and magma",
    body=(
        "Magma rises through cracks in the crust. When pressure builds up in the magma chamber, "
        "the volcano erupts and lava flows down its slopes; basaltic lava is runny, while "
        "rhyolitic lava is thick and traps gas, which makes eruptions explosive."
    ),
)
