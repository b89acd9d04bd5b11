"""Due-date reminders: each learner who has not submitted is told once, in their time zone."""

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from core.infra.database import utcnow
from platform_api.assessments.models import ExamSitting, SittingStatus
from platform_api.auth.models import User
from platform_api.notifications.models import Notification
from platform_api.progress.reminders import REMINDER_KIND, sweep_reminders
from tests.fixtures.app import Api
from tests.progress.factories import make_assignment, make_class, make_course, make_learners

LEAD = timedelta(hours=24)


async def test_learners_who_have_not_submitted_are_reminded_once(api: Api) -> None:
    teacher = await api.account("teacher")
    async with api.stores.database.session() as session:
        course = await make_course(session, teacher.id, lessons=1)
        done, late, berliner = await make_learners(session, 3)
        await session.execute(
            update(User).where(User.id == berliner.id).values(time_zone="Europe/Berlin")
        )
        await session.commit()
    class_id = uuid.UUID(await make_class(api, teacher, [done, late, berliner], course.course_id))
    now = utcnow()
    async with api.stores.database.session() as session:
        soon = await make_assignment(session, class_id, course, "Soon", now + timedelta(hours=3))
        await make_assignment(session, class_id, course, "Later", now + timedelta(days=3))
        await make_assignment(session, class_id, course, "Past", now - timedelta(hours=1))
        session.add(
            ExamSitting(
                learner_id=done.id,
                course_id=course.course_id,
                assignment_id=soon.id,
                is_exam=False,
                ended_at=now,
                status=SittingStatus.GRADING,
            )
        )
        await session.commit()

    assert await sweep_reminders(api.stores.database, now, LEAD) == 2
    assert await sweep_reminders(api.stores.database, now, LEAD) == 0  # once per learner

    async with api.stores.database.session() as session:
        notes = list(
            await session.scalars(select(Notification).where(Notification.kind == REMINDER_KIND))
        )
    assert {note.recipient_id for note in notes} == {late.id, berliner.id}
    assert {note.payload["assignment_id"] for note in notes} == {str(soon.id)}
    told_berliner = next(note for note in notes if note.recipient_id == berliner.id)
    assert told_berliner.title == "Due soon: Soon"
    assert "(Europe/Berlin)" in told_berliner.body
    inbox = await api.client.get("/api/v1/notifications", headers=teacher.headers)
    assert inbox.json()["total"] == 0  # the learners are told, not their teacher
