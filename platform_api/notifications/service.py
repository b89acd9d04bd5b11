"""In-app notifications (sent on every channel the recipient chose) and who must be told about a
learner.

Every function adds to the caller's transaction and leaves the commit to it, so a notification
exists, and its e-mail or push goes out, if and only if the change it reports is committed.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.infra.database import utcnow
from platform_api.auth.models import ParentLink, User
from platform_api.auth.service import is_under_age
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.notifications.dispatcher import request_notification
from platform_api.notifications.models import Notification
from platform_api.notifications.preferences import channels_for
from platform_api.notifications.schemas import NotificationOut, NotificationPage


async def notify(
    session: AsyncSession,
    recipient: User,
    kind: str,
    title: str,
    body: str,
    payload: dict[str, Any],
    *,
    subject_id: uuid.UUID | None = None,
) -> Notification | None:
    """Tell the recipient on the channels they chose for the kind: the inbox row now (returned;
    None when they turned the inbox off for it), e-mail and push through the dispatcher.

    ``subject_id`` names the learner it is about, if any: erasing that account erases it too.
    ``payload`` becomes template variables of the kind besides ``title`` and ``body``.
    """
    request_notification(
        session, kind, recipient.email, {**payload, "title": title, "body": body}, recipient.id
    )
    if not (await channels_for(session, recipient.id, kind)).in_app:
        return None
    notification = Notification(
        id=uuid.uuid4(),
        recipient_id=recipient.id,
        subject_id=subject_id,
        kind=kind,
        title=title,
        body=body,
        payload=payload,
        created_at=utcnow(),
    )
    session.add(notification)
    return notification


@dataclass(frozen=True)
class Guardians:
    """Who must be told about a learner: inbox holders, and parents known only by e-mail."""

    teachers: list[User] = field(default_factory=list)
    parents: list[User] = field(default_factory=list)
    parent_emails: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[User]:
        return [*self.teachers, *self.parents]


async def learner_guardians(
    session: AsyncSession, learner_id: uuid.UUID, course_id: uuid.UUID, coppa_minimum_age: int
) -> Guardians:
    """The teachers of the learner's classes that take this course; for an under-age learner also
    the linked parent accounts, or the parent's e-mail address when no parent account is linked.
    """
    learner = await session.get(User, learner_id)
    if learner is None:
        raise NotFound("No such user.")
    teachers = await _course_teachers(session, learner_id, course_id)
    if not is_under_age(learner.birth_date, coppa_minimum_age):
        return Guardians(teachers=teachers)
    parents = await _linked_parents(session, learner_id)
    return Guardians(teachers, parents, _unlinked_parent_email(learner, parents))


async def _course_teachers(
    session: AsyncSession, learner_id: uuid.UUID, course_id: uuid.UUID
) -> list[User]:
    query = (
        select(User)
        .join(SchoolClass, SchoolClass.teacher_id == User.id)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .join(ClassCourse, ClassCourse.class_id == SchoolClass.id)
        .where(
            Enrollment.student_id == learner_id,
            ClassCourse.course_id == course_id,
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(await session.scalars(query))


async def _linked_parents(session: AsyncSession, learner_id: uuid.UUID) -> list[User]:
    query = (
        select(User)
        .join(ParentLink, ParentLink.parent_id == User.id)
        .where(ParentLink.child_id == learner_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    return list(await session.scalars(query))


def _unlinked_parent_email(learner: User, parents: list[User]) -> list[str]:
    """The parent's address the learner gave, unless a linked parent account already has it."""
    address = learner.parent_email
    if address is None or address in {parent.email for parent in parents}:
        return []
    return [address]


async def notify_guardians(
    session: AsyncSession,
    learner_id: uuid.UUID,
    course_id: uuid.UUID,
    coppa_minimum_age: int,
    *,
    kind: str,
    title: str,
    body: str,
    payload: dict[str, Any],
) -> Guardians:
    """Notify everyone ``learner_guardians`` names about the learner; return who was told."""
    guardians = await learner_guardians(session, learner_id, course_id, coppa_minimum_age)
    for account in guardians.accounts:
        await notify(session, account, kind, title, body, payload, subject_id=learner_id)
    for address in guardians.parent_emails:
        request_notification(session, kind, address, {**payload, "title": title, "body": body})
    return guardians


async def inbox(
    session: AsyncSession, recipient_id: uuid.UUID, *, unread_only: bool, limit: int, offset: int
) -> NotificationPage:
    """The recipient's notifications, newest first."""
    where = [Notification.recipient_id == recipient_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(Notification).where(*where))
    rows = await session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit)
        .offset(offset)
    )
    items = [NotificationOut.model_validate(row) for row in rows]
    return NotificationPage(items=items, total=total or 0, limit=limit, offset=offset)


async def mark_read(
    session: AsyncSession, recipient_id: uuid.UUID, notification_id: uuid.UUID
) -> None:
    """Mark one of the recipient's notifications read (the first time counts)."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != recipient_id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.commit()
