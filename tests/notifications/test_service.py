"""Who is told about a learner, and what telling them writes: an inbox row and a queued e-mail."""

import uuid

from sqlalchemy import select

from core.infra.database import Database
from core.infra.outbox_models import OutboxEvent
from platform_api.auth.models import Role, User
from platform_api.notifications.dispatcher import NOTIFICATION_REQUESTED
from platform_api.notifications.models import Notification
from platform_api.notifications.service import learner_guardians, notify, notify_guardians
from tests.notifications.factories import (
    ADULT_BIRTH_DATE,
    child_birth_date,
    link_parent,
    make_class,
    make_user,
)
from tests.rag.factories import make_course

COPPA_AGE = 13
FLAGGED = "tutor.flagged_turn"


async def new_course(database: Database) -> uuid.UUID:
    async with database.session() as session:
        return (await make_course(session, "Physics", [])).course_id


async def mails_to(database: Database) -> list[str]:
    async with database.session() as session:
        events = await session.scalars(select(OutboxEvent).filter_by(type=NOTIFICATION_REQUESTED))
        return sorted(event.payload["to"] for event in events)


async def test_only_teachers_of_classes_taking_the_course(database: Database) -> None:
    course_id, other_course_id = await new_course(database), await new_course(database)
    async with database.session() as session:
        learner = await make_user(session, Role.STUDENT, birth_date=ADULT_BIRTH_DATE)
        classmate = await make_user(session, Role.STUDENT, birth_date=ADULT_BIRTH_DATE)
        teacher, other_subject, not_theirs = [
            await make_user(session, Role.TEACHER) for _ in range(3)
        ]
        await make_class(session, teacher, [learner], [course_id, other_course_id])
        await make_class(session, teacher, [learner], [course_id])  # told once, not twice
        await make_class(session, other_subject, [learner], [other_course_id])
        await make_class(session, not_theirs, [classmate], [course_id])
        parent = await make_user(session, Role.PARENT)
        await link_parent(session, parent, learner)  # an adult learner's parent is not told
        await session.commit()

        guardians = await learner_guardians(session, learner.id, course_id, COPPA_AGE)

    assert [t.id for t in guardians.teachers] == [teacher.id]
    assert (guardians.parents, guardians.parent_emails) == ([], [])


async def test_under_age_learner_adds_linked_parents(database: Database) -> None:
    course_id = await new_course(database)
    async with database.session() as session:
        parent = await make_user(session, Role.PARENT)
        child = await make_user(
            session, Role.STUDENT, birth_date=child_birth_date(), parent_email=parent.email
        )
        await link_parent(session, parent, child)
        await session.commit()

        guardians = await learner_guardians(session, child.id, course_id, COPPA_AGE)

    assert [p.id for p in guardians.parents] == [parent.id]
    assert guardians.parent_emails == []  # the linked account has that address already
    assert guardians.teachers == []


async def test_parent_without_an_account_is_only_emailed(database: Database) -> None:
    course_id = await new_course(database)
    async with database.session() as session:
        teacher = await make_user(session, Role.TEACHER)
        child = await make_user(
            session, Role.STUDENT, birth_date=child_birth_date(), parent_email="mum@example.org"
        )
        await make_class(session, teacher, [child], [course_id])
        await session.commit()

        told = await notify_guardians(
            session,
            child.id,
            course_id,
            COPPA_AGE,
            kind=FLAGGED,
            title="A tutor turn was flagged",
            body="Please review it.",
            payload={"turn_id": "t-1"},
        )
        await session.commit()
        inbox = list(await session.scalars(select(Notification)))

    assert (told.parents, told.parent_emails) == ([], ["mum@example.org"])
    assert [(n.recipient_id, n.subject_id, n.kind) for n in inbox] == [
        (teacher.id, child.id, FLAGGED)
    ]
    assert await mails_to(database) == sorted([teacher.email, "mum@example.org"])


async def test_notify_writes_the_row_and_queues_the_mail_in_one_transaction(
    database: Database,
) -> None:
    async with database.session() as session:
        teacher = await make_user(session, Role.TEACHER)
        teacher_id = teacher.id
        await session.commit()
        await notify(session, teacher, FLAGGED, "Flagged", "Have a look.", {"turn_id": "t-2"})
        await session.rollback()  # the caller's change failed: nothing is told
    assert await mails_to(database) == []

    async with database.session() as session:
        teacher = await session.get_one(User, teacher_id)
        notification = await notify(session, teacher, FLAGGED, "Flagged", "Have a look.", {"n": 1})
        await session.commit()
        assert notification is not None
        stored = await session.get_one(Notification, notification.id)
    assert (stored.recipient_id, stored.title, stored.payload, stored.read_at) == (
        teacher.id,
        "Flagged",
        {"n": 1},
        None,
    )
    assert await mails_to(database) == [teacher.email]


async def test_erasing_the_learner_erases_what_others_were_told(database: Database) -> None:
    async with database.session() as session:
        teacher = await make_user(session, Role.TEACHER)
        learner = await make_user(session, Role.STUDENT, birth_date=ADULT_BIRTH_DATE)
        await notify(
            session, teacher, FLAGGED, "Flagged", "About a learner.", {}, subject_id=learner.id
        )
        await notify(session, teacher, "system.welcome", "Welcome", "About nobody.", {})
        await session.commit()
        await session.delete(await session.get_one(User, learner.id))
        await session.commit()
        kinds = list(await session.scalars(select(Notification.kind)))
    assert kinds == ["system.welcome"]
