"""Accounts and classes for the notification tests, written straight to the database."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.auth.models import ParentLink, Role, User
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass

ADULT_BIRTH_DATE = date(2000, 1, 1)


def child_birth_date(age: int = 9) -> date:
    today = date.today()
    return date(today.year - age, 1, 1)


async def make_user(
    session: AsyncSession,
    role: Role,
    *,
    birth_date: date | None = None,
    parent_email: str | None = None,
) -> User:
    user = User(
        email=f"{role.value}-{uuid.uuid4().hex[:10]}@example.org",
        password_hash=None,
        display_name=f"A {role.value}",
        role=role,
        birth_date=birth_date,
        parent_email=parent_email,
        preferences={},
    )
    session.add(user)
    await session.flush()
    return user


async def link_parent(session: AsyncSession, parent: User, child: User) -> None:
    session.add(ParentLink(parent_id=parent.id, child_id=child.id))
    await session.flush()


async def make_class(
    session: AsyncSession,
    teacher: User,
    students: list[User],
    course_ids: list[uuid.UUID],
) -> SchoolClass:
    school_class = SchoolClass(name="7B", teacher_id=teacher.id)
    session.add(school_class)
    await session.flush()
    session.add_all(Enrollment(class_id=school_class.id, student_id=s.id) for s in students)
    session.add_all(ClassCourse(class_id=school_class.id, course_id=c) for c in course_ids)
    await session.flush()
    return school_class
