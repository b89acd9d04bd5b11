"""Who may do what with items, assignments and sittings.

The role part of each permission is a typed dependency (``Learner``, and the shared ``Staff``,
``ContentTeam``, ``Principal``), so the authorization matrix reads it from the route table; the
per-object part (this class, this course, this sitting) is checked here.
"""

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course
from core.errors import Forbidden, NotFound
from platform_api.auth.models import ParentLink, Role
from platform_api.auth.permissions import RoleGate
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass

Learner = Annotated[AccessClaims, Depends(RoleGate(Role.STUDENT))]


async def teaches_course(
    session: AsyncSession, teacher_id: uuid.UUID, course_id: uuid.UUID
) -> bool:
    """A teacher of a class that follows the course."""
    query = select(
        exists()
        .where(ClassCourse.course_id == course_id, ClassCourse.class_id == SchoolClass.id)
        .where(SchoolClass.teacher_id == teacher_id)
    )
    return bool(await session.scalar(query))


async def item_writable_course(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID
) -> Course:
    """Editors and admins write items anywhere; a teacher on courses they own or teach."""
    course = await session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    if actor.role in (Role.CONTENT_EDITOR, Role.ADMIN) or course.owner_id == actor.user_id:
        return course
    if actor.role is Role.TEACHER and await teaches_course(session, actor.user_id, course_id):
        return course
    raise Forbidden("Only the course's owner, its classes' teachers and content editors do this.")


async def taught_class(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID
) -> SchoolClass:
    """The class, if the actor is its teacher or an admin (403 otherwise)."""
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound("No such class.", {"field": "class_id"})
    if actor.role is not Role.ADMIN and school_class.teacher_id != actor.user_id:
        raise Forbidden("Only the class's teacher does this.")
    return school_class


async def is_enrolled(session: AsyncSession, class_id: uuid.UUID, learner_id: uuid.UUID) -> bool:
    return await session.get(Enrollment, (class_id, learner_id)) is not None


async def may_follow_class(
    session: AsyncSession, actor: AccessClaims, school_class: SchoolClass
) -> bool:
    """Sees the class's assignments: its teacher, an admin, its learners, their parents."""
    if actor.role is Role.ADMIN or school_class.teacher_id == actor.user_id:
        return True
    if actor.role is Role.STUDENT:
        return await is_enrolled(session, school_class.id, actor.user_id)
    if actor.role is Role.PARENT:
        children = select(ParentLink.child_id).where(ParentLink.parent_id == actor.user_id)
        query = select(
            exists().where(
                Enrollment.class_id == school_class.id, Enrollment.student_id.in_(children)
            )
        )
        return bool(await session.scalar(query))
    return False
