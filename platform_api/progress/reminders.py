"""Due-date reminders: a periodic sweep notifies each learner who has not yet submitted an
assignment that falls due soon, once per learner and assignment (``reminders_sent``).

The reminder row and the notification (inbox + e-mail through the outbox) commit together, and
the row's primary key makes a second sweep, or a sweep in another process, send nothing twice.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import Database, utcnow
from core.infra.periodic import PeriodicTask
from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.auth.models import User
from platform_api.classes.models import Enrollment
from platform_api.notifications.service import notify
from platform_api.progress.models import ReminderSent
from platform_api.progress.streaks import zone_of
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

REMINDER_KIND = "assignment.due_soon"


def _due(assignment: Assignment) -> datetime:
    due = assignment.due_at or assignment.closes_at
    assert due is not None
    return due


async def _learners_to_remind(session: AsyncSession, assignment: Assignment) -> list[User]:
    """Active learners of the class with no submitted sitting and no reminder yet."""
    submitted = exists().where(
        ExamSitting.assignment_id == assignment.id,
        ExamSitting.learner_id == User.id,
        ExamSitting.ended_at.is_not(None),
    )
    reminded = exists().where(
        ReminderSent.assignment_id == assignment.id, ReminderSent.learner_id == User.id
    )
    query = (
        select(User)
        .join(Enrollment, Enrollment.student_id == User.id)
        .where(Enrollment.class_id == assignment.class_id, User.is_active, ~submitted, ~reminded)
        .order_by(User.id)
    )
    return list(await session.scalars(query))


async def _remind(session: AsyncSession, assignment: Assignment, learner: User) -> bool:
    claimed = await session.execute(
        insert(ReminderSent)
        .values(assignment_id=assignment.id, learner_id=learner.id, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["assignment_id", "learner_id"])
        .returning(ReminderSent.learner_id)
    )
    if claimed.scalar_one_or_none() is None:
        return False
    local_due = _due(assignment).astimezone(zone_of(learner.time_zone))
    title = f"Due soon: {assignment.title}"
    body = f"“{assignment.title}” is due {local_due:%A %d %B %Y, %H:%M} ({learner.time_zone})."
    payload = {"assignment_id": str(assignment.id), "due_at": _due(assignment).isoformat()}
    await notify(session, learner, REMINDER_KIND, title, body, payload, subject_id=learner.id)
    return True


async def sweep_reminders(database: Database, now: datetime, lead: timedelta) -> int:
    """Remind learners of assignments due in (now, now + lead]; return how many were reminded."""
    async with database.session() as session:
        due = func.coalesce(Assignment.due_at, Assignment.closes_at)
        assignments = list(
            await session.scalars(
                select(Assignment).where(due > now, due <= now + lead).order_by(due, Assignment.id)
            )
        )
    reminded = 0
    for assignment in assignments:  # one transaction each: a failure loses no other class's
        async with database.session() as session, session.begin():
            for learner in await _learners_to_remind(session, assignment):
                reminded += await _remind(session, assignment, learner)
    return reminded


async def _remind_and_log(database: Database, lead: timedelta) -> None:
    sent = await sweep_reminders(database, utcnow(), lead)
    if sent:
        logger.info("due-date reminders sent", extra={"reminders": sent})


async def start_reminder_sweeper(stores: Stores) -> None:
    """Send due-date reminders beside the API; the task stops with the stores."""
    settings = stores.settings
    lead = timedelta(hours=settings.reminder_lead_hours)
    sweeper = PeriodicTask(
        "reminder-sweeper",
        lambda: _remind_and_log(stores.database, lead),
        settings.reminder_sweep_seconds,
    )
    sweeper.start()
    stores.on_close.append(sweeper.stop)
