"""Data the assessments and grading services would write, made directly, with their events.

Engineer B's assignment and sitting API and engineer C's grader are not on main yet: these
factories write the rows and record the events exactly as the contracts say (SITTING_SUBMITTED on
submit; one ANSWER_GRADED per grade; ASSESSMENT_GRADED once all are graded), in one transaction
through the outbox, so everything downstream (statements, badges, dashboards) runs for real.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
from core.infra.analytics import AnalyticsStore
from core.infra.bus import Event
from platform_api.assessments.events import (
    ANSWER_GRADED,
    ASSESSMENT_GRADED,
    SITTING_SUBMITTED,
    AnswerGraded,
    AssessmentGraded,
    SittingSubmitted,
    record,
)
from platform_api.assessments.models import (
    Assignment,
    AssignmentItem,
    AssignmentKind,
    ExamSitting,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.auth.models import Role, User
from platform_api.progress.events import LESSON_COMPLETED, LESSON_VIEWED, LessonProgressed
from tests.fixtures.app import Account, Api
from tests.infra.bus_support import eventually


@dataclass
class CourseData:
    course_id: uuid.UUID
    lessons: list[Lesson]
    objectives: list[LearningObjective]
    items: list[AssessmentItem]


async def make_course(session: AsyncSession, owner_id: uuid.UUID, lessons: int = 3) -> CourseData:
    """A published course: one objective and two items (on that objective) per lesson."""
    curriculum = Curriculum(id=uuid.uuid4(), title="Statistics", owner_id=owner_id)
    course = Course(id=uuid.uuid4(), curriculum_id=curriculum.id, title="Intro stats")
    unit = Unit(id=uuid.uuid4(), course_id=course.id, title="Unit 1")
    for row in (curriculum, course, unit):  # no ORM relationships: insert in foreign-key order
        session.add(row)
        await session.flush()
    data = CourseData(course.id, [], [], [])
    for position in range(lessons):
        lesson = Lesson(
            id=uuid.uuid4(),
            course_id=course.id,
            unit_id=unit.id,
            title=f"Lesson {position}",
            position=position,
            status=LessonStatus.PUBLISHED,
        )
        objective = LearningObjective(
            id=uuid.uuid4(),
            course_id=course.id,
            lesson_id=lesson.id,
            position=0,
            text=f"Objective {position}",
        )
        data.lessons.append(lesson)
        data.objectives.append(objective)
        for number in range(2):
            data.items.append(
                AssessmentItem(
                    id=uuid.uuid4(),
                    lesson_id=lesson.id,
                    course_id=course.id,
                    kind=ItemKind.NUMERIC,
                    prompt=f"Item {position}.{number}",
                    answer="1",
                    position=number,
                    objective_id=objective.id,
                )
            )
    session.add_all(data.lessons)
    await session.flush()
    session.add_all(data.objectives)
    await session.flush()
    session.add_all(data.items)
    await session.commit()
    return data


async def make_assignment(
    session: AsyncSession,
    class_id: uuid.UUID,
    course: CourseData,
    title: str = "Homework 1",
    due_at: datetime | None = None,
) -> Assignment:
    assignment = Assignment(
        id=uuid.uuid4(),
        class_id=class_id,
        course_id=course.course_id,
        kind=AssignmentKind.HOMEWORK,
        title=title,
        due_at=due_at,
        created_at=datetime.now(UTC),
    )
    session.add(assignment)
    await session.flush()
    for position, item in enumerate(course.items):
        session.add(AssignmentItem(assignment_id=assignment.id, item_id=item.id, position=position))
    await session.commit()
    return assignment


async def make_graded_sitting(
    session: AsyncSession,
    assignment: Assignment,
    learner_id: uuid.UUID,
    answers: list[tuple[AssessmentItem, bool]],
    answered_at: datetime,
) -> ExamSitting:
    """A submitted sitting whose answers are all graded by rule, with the events of each step."""
    sitting = ExamSitting(
        id=uuid.uuid4(),
        learner_id=learner_id,
        course_id=assignment.course_id,
        assignment_id=assignment.id,
        is_exam=False,
        started_at=answered_at,
        ended_at=answered_at,
        status=SittingStatus.GRADED,
        graded_at=answered_at,
        score=float(sum(correct for _, correct in answers)),
        max_score=float(len(answers)),
    )
    session.add(sitting)
    await session.flush()
    record(
        session,
        SITTING_SUBMITTED,
        SittingSubmitted(
            sitting_id=sitting.id,
            assignment_id=assignment.id,
            learner_id=learner_id,
            course_id=assignment.course_id,
            submitted_at=answered_at,
            auto_submitted=False,
        ),
    )
    for item, correct in answers:
        response = Response(
            id=uuid.uuid4(),
            sitting_id=sitting.id,
            item_id=item.id,
            item_version=1,
            answer="1",
            answered_at=answered_at,
            grading_status=GradingStatus.GRADED,
            points=float(correct),
            correct=correct,
            graded_by=GradeSource.RULE,
            grade_version=1,
            graded_at=answered_at,
        )
        session.add(response)
        record(session, ANSWER_GRADED, answer_graded(response, sitting, item))
    record(
        session,
        ASSESSMENT_GRADED,
        AssessmentGraded(
            sitting_id=sitting.id,
            assignment_id=assignment.id,
            assignment_title=assignment.title,
            learner_id=learner_id,
            course_id=assignment.course_id,
            class_id=assignment.class_id,
            score=sitting.score or 0.0,
            max_score=sitting.max_score or 0.0,
            graded_at=answered_at,
        ),
    )
    await session.commit()
    return sitting


def answer_graded(
    response: Response, sitting: ExamSitting, item: AssessmentItem, **overrides: Any
) -> AnswerGraded:
    assert sitting.assignment_id is not None and response.points is not None
    values: dict[str, Any] = {
        "response_id": response.id,
        "sitting_id": sitting.id,
        "assignment_id": sitting.assignment_id,
        "learner_id": sitting.learner_id,
        "course_id": sitting.course_id,
        "item_id": item.id,
        "item_version": 1,
        "objective_id": item.objective_id,
        "grade_version": response.grade_version,
        "points": response.points,
        "max_points": 1.0,
        "correct": bool(response.correct),
        "source": "rule",
        "answered_at": response.answered_at,
        "graded_at": response.graded_at or response.answered_at,
        "time_spent_ms": 4200,
        **overrides,
    }
    return AnswerGraded(**values)


def lesson_event(
    learner_id: uuid.UUID, lesson: Lesson, at: datetime, completed: bool = True
) -> Event:
    payload = LessonProgressed(
        learner_id=learner_id,
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        lesson_title=lesson.title,
        occurred_at=at,
    )
    kind = LESSON_COMPLETED if completed else LESSON_VIEWED
    return Event(type=kind, payload=payload.model_dump(mode="json"))


async def statements_of(
    analytics: AnalyticsStore, learner_id: uuid.UUID, verb: str | None = None
) -> list[dict[str, Any]]:
    sql = "SELECT * FROM learning_statements FINAL WHERE learner_id = {learner:UUID}"
    rows = await analytics.query(sql, {"learner": learner_id})
    return [row for row in rows if verb is None or row["verb"] == verb]


async def wait_for_statements(
    api: Api, learner_id: uuid.UUID, count: int, verb: str | None = None
) -> list[dict[str, Any]]:
    """Wait until the statements consumer has stored ``count`` statements; return them."""
    rows: list[dict[str, Any]] = []

    async def stored() -> bool:
        rows[:] = await statements_of(api.stores.analytics, learner_id, verb)
        return len(rows) >= count

    await eventually(stored, within_seconds=20)
    return rows


def this_week(now: datetime | None = None) -> datetime:
    """A moment inside the current ISO week (UTC), not in the future."""
    now = now or datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    return max(monday, now - timedelta(minutes=1))


async def make_learners(session: AsyncSession, count: int, **fields: Any) -> list[User]:
    """Student accounts made directly (no sign-in needed): a class of them costs no hashing."""
    learners = [
        User(
            id=uuid.uuid4(),
            email=f"learner-{uuid.uuid4().hex[:12]}@example.org",
            display_name=f"Learner {number:02d} Example",
            role=Role.STUDENT,
            birth_date=date(2000, 1, 1),
            **fields,
        )
        for number in range(count)
    ]
    session.add_all(learners)
    await session.commit()
    return learners


async def make_class(api: Api, teacher: Account, learners: list[Any], course_id: uuid.UUID) -> str:
    """A class through the API: created by the teacher, learners enrolled, the course assigned."""
    created = await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "8B"})
    assert created.status_code == 201, created.text
    class_id: str = created.json()["id"]
    for learner in learners:
        enrolled = await api.client.post(
            f"/api/v1/classes/{class_id}/students",
            headers=teacher.headers,
            json={"student_email": learner.email},
        )
        assert enrolled.status_code == 200, enrolled.text
    assigned = await api.client.post(
        f"/api/v1/classes/{class_id}/courses",
        headers=teacher.headers,
        json={"course_id": str(course_id)},
    )
    assert assigned.status_code == 200, assigned.text
    return class_id
