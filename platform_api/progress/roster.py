"""A class as the progress pages see it: its learners and its courses, for a permitted viewer."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.auth.models import User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.classes.service import get_visible_class


@dataclass(frozen=True)
class Roster:
    school_class: SchoolClass
    learners: list[User]
    course_ids: list[uuid.UUID]

    @property
    def learner_ids(self) -> list[uuid.UUID]:
        return [learner.id for learner in self.learners]


async def class_roster(session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID) -> Roster:
    """The class if the actor may see it (its teacher, an admin, its learners, their parents)."""
    school_class = await get_visible_class(session, actor, class_id)
    enrolled = await session.scalars(
        select(User)
        .join(Enrollment, Enrollment.student_id == User.id)
        .where(Enrollment.class_id == class_id)
    )
    # Names are sealed at rest (core.personal_data): PostgreSQL cannot order by them.
    learners = sorted(enrolled, key=lambda learner: (learner.display_name, learner.id))
    courses = await session.scalars(
        select(ClassCourse.course_id)
        .where(ClassCourse.class_id == class_id)
        .order_by(ClassCourse.course_id)
    )
    return Roster(school_class, learners, list(courses))
