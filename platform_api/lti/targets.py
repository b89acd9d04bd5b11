"""What a placed link opens here, named by its ``wc_target`` custom parameter, and the web
client page it lands on."""

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Lesson
from core.errors import Forbidden, NotFound
from platform_api.assessments.models import Assignment
from platform_api.classes.models import ClassCourse, SchoolClass
from platform_api.lti.errors import LaunchInvalid

TARGET_PARAMETER = "wc_target"
WORK_PAGE = "/work"


class TargetKind(enum.StrEnum):
    COURSE = "course"
    LESSON = "lesson"
    TUTOR = "tutor"  # the tutor of a course (its id), beside the course's first lesson
    QUIZ = "quiz"  # an assignment of the class: its scores go back to the platform


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    id: uuid.UUID

    @classmethod
    def parse(cls, value: str) -> "Target":
        """``kind:uuid``, e.g. ``lesson:3f2b…`` (a custom parameter of the link)."""
        kind, _, raw_id = value.partition(":")
        try:
            return cls(TargetKind(kind), uuid.UUID(raw_id))
        except ValueError as error:
            raise LaunchInvalid(
                f"The link's {TARGET_PARAMETER} parameter is not kind:id.",
                {"reason": "custom", "kinds": [k.value for k in TargetKind]},
            ) from error

    @property
    def custom(self) -> dict[str, str]:
        """The custom parameters that name this target on a placed link."""
        return {TARGET_PARAMETER: f"{self.kind.value}:{self.id}"}


@dataclass(frozen=True)
class Destination:
    """Where a target is: its page in the web client and the course it belongs to."""

    path: str
    course_id: uuid.UUID
    title: str


async def _course(session: AsyncSession, course_id: uuid.UUID) -> Course:
    course = await session.get(Course, course_id)
    if course is None:
        raise NotFound("The link names a course that does not exist.", {"course_id": course_id})
    return course


async def _first_lesson(session: AsyncSession, course_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(Lesson.id)
        .where(Lesson.course_id == course_id)
        .order_by(Lesson.position, Lesson.created_at)
        .limit(1)
    )


async def destination(
    session: AsyncSession, target: Target, school_class: SchoolClass
) -> Destination:
    """The target's page; a quiz must be one of ``school_class``'s assignments."""
    if target.kind is TargetKind.QUIZ:
        assignment = await session.get(Assignment, target.id)
        if assignment is None:
            raise NotFound("The link names a quiz that does not exist.", {"quiz_id": target.id})
        if assignment.class_id != school_class.id:
            raise Forbidden("The link names another class's quiz.", {"quiz_id": target.id})
        return Destination(WORK_PAGE, assignment.course_id, assignment.title)
    if target.kind is TargetKind.LESSON:
        lesson = await session.get(Lesson, target.id)
        if lesson is None:
            raise NotFound("The link names a lesson that does not exist.", {"lesson_id": target.id})
        path = f"/courses/{lesson.course_id}/lessons/{lesson.id}"
        return Destination(path, lesson.course_id, lesson.title)
    course = await _course(session, target.id)
    path = f"/courses/{course.id}"
    if target.kind is TargetKind.TUTOR and (lesson_id := await _first_lesson(session, course.id)):
        path = f"{path}/lessons/{lesson_id}"
    return Destination(path, course.id, course.title)


async def follow_course(session: AsyncSession, class_id: uuid.UUID, course_id: uuid.UUID) -> None:
    """Give the class the course its link opens (once, however many launch at the same time),
    so its learners may follow it."""
    await session.execute(
        insert(ClassCourse).values(class_id=class_id, course_id=course_id).on_conflict_do_nothing()
    )


def line_item_resource_id(assignment_id: uuid.UUID) -> str:
    """The ``resourceId`` of a quiz's line item at the platform, which finds it again."""
    return f"{TargetKind.QUIZ.value}:{assignment_id}"
