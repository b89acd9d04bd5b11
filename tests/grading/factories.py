"""Sittings for grading tests, made with ORM inserts and the real ``sitting_submitted`` event.

The assessments API (another part of this issue) creates sittings for real; until it is on main
these factories stand in for its submit: they end the sitting and record ``SITTING_SUBMITTED``
through the outbox in the same transaction, as the contract says its submit does.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, AssessmentItemVersion, ItemKind
from core.infra.database import Database, utcnow
from core.infra.outbox_models import OutboxEvent
from platform_api.assessments.events import SITTING_SUBMITTED, SittingSubmitted, record
from platform_api.assessments.models import (
    Assignment,
    AssignmentItem,
    AssignmentKind,
    ExamSitting,
    Response,
    SittingStatus,
)
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from tests.rag.factories import LessonSpec, make_course

MEAN = LessonSpec(
    title="The mean and the median",
    body="The mean is the sum of the values divided by how many there are. The median is the "
    "middle value of the sorted data; half the values lie below it.",
    objectives=["Calculate the mean and the median of a data set"],
)


@dataclass
class Classroom:
    teacher_id: uuid.UUID
    learner_id: uuid.UUID
    class_id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID


@dataclass(frozen=True)
class ItemSpec:
    kind: ItemKind
    prompt: str
    answer: str | None = None
    solution: str = ""
    options: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] | None = None


MULTIPLE_CHOICE = ItemSpec(
    ItemKind.MULTIPLE_CHOICE,
    "Which value is the middle of the sorted data?",
    answer="b",
    options=[{"label": "a", "text": "the mean"}, {"label": "b", "text": "the median"}],
)
NUMERIC = ItemSpec(
    ItemKind.NUMERIC,
    "What is the mean of 2, 4 and 9, in metres?",
    answer="5",
    details={"answer": 5.0, "tolerance": 0.01, "unit": "m"},
)
SHORT_MEDIAN = ItemSpec(
    ItemKind.SHORT_ANSWER,
    "What does the median of a data set tell you?",
    answer="The median is the middle value of the sorted data: half of the values lie below it.",
    details={
        "model_answer": "The median is the middle value of the sorted data: half of the values "
        "lie below it.",
        "rubric": ["Says it is the middle value", "Says half of the values lie below it"],
    },
)
SHORT_MEAN = ItemSpec(
    ItemKind.SHORT_ANSWER,
    "How do you compute the mean of a data set?",
    answer="Add up all the values and divide the sum by the number of values.",
    details={
        "model_answer": "Add up all the values and divide the sum by the number of values.",
        "rubric": ["Sums the values", "Divides by the number of values"],
    },
)


async def make_classroom(
    session: AsyncSession, teacher_id: uuid.UUID, learner_id: uuid.UUID
) -> Classroom:
    record_ = await make_course(session, "Statistics", [MEAN])
    school_class = SchoolClass(id=uuid.uuid4(), name="Statistics 1", teacher_id=teacher_id)
    session.add(school_class)
    await session.flush()
    session.add(Enrollment(class_id=school_class.id, student_id=learner_id))
    session.add(ClassCourse(class_id=school_class.id, course_id=record_.course_id))
    await session.commit()
    return Classroom(
        teacher_id, learner_id, school_class.id, record_.course_id, record_.lesson_ids[0]
    )


async def make_item(session: AsyncSession, room: Classroom, spec: ItemSpec) -> AssessmentItem:
    """An item at version 1, with the snapshot of that version."""
    item = AssessmentItem(
        id=uuid.uuid4(),
        lesson_id=room.lesson_id,
        course_id=room.course_id,
        kind=spec.kind,
        prompt=spec.prompt,
        options=spec.options,
        answer=spec.answer,
        solution=spec.solution,
        details=spec.details,
        version=1,
    )
    session.add(item)
    snapshot = {
        "kind": spec.kind.value,
        "prompt": spec.prompt,
        "options": spec.options,
        "answer": spec.answer,
        "solution": spec.solution,
        "details": spec.details,
        "hints": [],
    }
    session.add(AssessmentItemVersion(item_id=item.id, version=1, snapshot=snapshot))
    await session.flush()
    return item


@dataclass
class SittingRecord:
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    responses: list[uuid.UUID]


@dataclass(frozen=True)
class Answer:
    spec: ItemSpec
    text: str
    points: float = 1.0
    item_version: int = 1  # another version than the item has makes a poisoned answer


async def submitted_sitting(
    database: Database, room: Classroom, answers: list[Answer]
) -> SittingRecord:
    """A submitted exam sitting with these answers and its ``sitting_submitted`` event."""
    async with database.session() as session:
        assignment = Assignment(
            id=uuid.uuid4(),
            class_id=room.class_id,
            course_id=room.course_id,
            kind=AssignmentKind.EXAM,
            title="Quiz on averages",
            created_by=room.teacher_id,
        )
        session.add(assignment)
        items = [await make_item(session, room, answer.spec) for answer in answers]
        for position, (item, answer) in enumerate(zip(items, answers, strict=True)):
            session.add(
                AssignmentItem(
                    assignment_id=assignment.id,
                    item_id=item.id,
                    position=position,
                    points=answer.points,
                )
            )
        now = utcnow()
        sitting = ExamSitting(
            id=uuid.uuid4(),
            learner_id=room.learner_id,
            course_id=room.course_id,
            assignment_id=assignment.id,
            is_exam=True,
            status=SittingStatus.GRADING,
            layout=[{"item_id": str(i.id), "item_version": 1} for i in items],
            started_at=now,
            ended_at=now,
        )
        session.add(sitting)
        await session.flush()
        responses = [
            Response(
                id=uuid.uuid4(),
                sitting_id=sitting.id,
                item_id=item.id,
                item_version=answer.item_version,
                answer=answer.text,
                max_points=answer.points,
                time_spent_ms=20_000,
            )
            for item, answer in zip(items, answers, strict=True)
        ]
        session.add_all(responses)
        submitted = SittingSubmitted(
            sitting_id=sitting.id,
            assignment_id=assignment.id,
            learner_id=room.learner_id,
            course_id=room.course_id,
            submitted_at=now,
            auto_submitted=False,
        )
        record(session, SITTING_SUBMITTED, submitted)
        await session.commit()
        return SittingRecord(sitting.id, assignment.id, [r.id for r in responses])


async def wait_for_sitting(
    database: Database, sitting_id: uuid.UUID, statuses: set[SittingStatus], timeout: float = 90
) -> ExamSitting:
    """The sitting once its status is one of ``statuses`` (polling; fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        async with database.session() as session:
            sitting = await session.get(ExamSitting, sitting_id)
            assert sitting is not None
            if sitting.status in statuses:
                return sitting
        assert time.monotonic() < deadline, f"sitting still {sitting.status} after {timeout}s"
        await asyncio.sleep(0.1)


async def events_about(
    database: Database, event_type: str, key: str, value: uuid.UUID
) -> list[dict[str, Any]]:
    """Payloads of outbox events of a type whose ``key`` is ``value``."""
    async with database.session() as session:
        rows = await session.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.type == event_type, OutboxEvent.payload[key].astext == str(value))
            .order_by(OutboxEvent.occurred_at)
        )
        return list(rows)


async def count_where(session: AsyncSession, *criteria: Any) -> int:
    return int(await session.scalar(select(func.count()).where(*criteria)) or 0)
