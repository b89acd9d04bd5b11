"""Class behaviour and its attribute rules: a teacher manages only the classes they own."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course
from core.errors import Forbidden, NotFound
from platform_api.auth.models import ParentLink, Role, User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.classes.schemas import ClassOut


async def create_class(session: AsyncSession, actor: AccessClaims, name: str) -> SchoolClass:
    school_class = SchoolClass(name=name, teacher_id=actor.user_id)
    session.add(school_class)
    await session.commit()
    return school_class


async def owned_class(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID
) -> SchoolClass:
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound("No such class.")
    if actor.role is not Role.ADMIN and school_class.teacher_id != actor.user_id:
        raise Forbidden("Only the class's teacher manages it.")
    return school_class


async def describe(session: AsyncSession, school_class: SchoolClass) -> ClassOut:
    students = await session.scalars(
        select(Enrollment.student_id).where(Enrollment.class_id == school_class.id)
    )
    courses = await session.scalars(
        select(ClassCourse.course_id).where(ClassCourse.class_id == school_class.id)
    )
    out = ClassOut.model_validate(school_class)
    out.student_ids, out.course_ids = list(students), list(courses)
    return out


async def visible_classes(session: AsyncSession, actor: AccessClaims) -> list[SchoolClass]:
    """Teachers see the classes they own, students those they attend, parents their children's."""
    query = select(SchoolClass).order_by(SchoolClass.created_at)
    if actor.role is Role.TEACHER:
        query = query.where(SchoolClass.teacher_id == actor.user_id)
    elif actor.role is Role.STUDENT:
        query = query.join(Enrollment).where(Enrollment.student_id == actor.user_id)
    elif actor.role is Role.PARENT:
        children = select(ParentLink.child_id).where(ParentLink.parent_id == actor.user_id)
        query = query.join(Enrollment).where(Enrollment.student_id.in_(children)).distinct()
    return list(await session.scalars(query))


async def get_visible_class(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID
) -> SchoolClass:
    for school_class in await visible_classes(session, actor):
        if school_class.id == class_id:
            return school_class
    if await session.get(SchoolClass, class_id) is None:
        raise NotFound("No such class.")
    raise Forbidden("You are not part of this class.")


async def enroll(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID, student_email: str
) -> SchoolClass:
    school_class = await owned_class(session, actor, class_id)
    student = await session.scalar(select(User).where(User.email_hash == student_email.lower()))
    if student is None or student.role is not Role.STUDENT:
        raise NotFound("No student account with this e-mail.", {"field": "student_email"})
    await session.merge(Enrollment(class_id=class_id, student_id=student.id))
    await session.commit()
    return school_class


async def unenroll(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID, student_id: uuid.UUID
) -> None:
    await owned_class(session, actor, class_id)
    enrollment = await session.get(Enrollment, (class_id, student_id))
    if enrollment is None:
        raise NotFound("This student is not enrolled.")
    await session.delete(enrollment)
    await session.commit()


async def assign_course(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID, course_id: uuid.UUID
) -> SchoolClass:
    school_class = await owned_class(session, actor, class_id)
    if await session.get(Course, course_id) is None:
        raise NotFound("No such course.", {"field": "course_id"})
    await session.merge(ClassCourse(class_id=class_id, course_id=course_id))
    await session.commit()
    return school_class


async def delete_class(session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID) -> None:
    await session.delete(await owned_class(session, actor, class_id))
    await session.commit()
