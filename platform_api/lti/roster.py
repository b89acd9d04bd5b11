"""Names and Role Provisioning: a class's learners follow its LMS course's membership list.

Learners the platform lists (active) are enrolled, with accounts made for new ones; learners
linked to the platform but no longer listed are unenrolled. Learners enrolled here by hand (with
no account at that platform) are left alone.
"""

import logging
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError, Conflict, NotFound
from core.infra.database import Database
from core.settings import Settings
from platform_api.auth.models import Role
from platform_api.classes.models import Enrollment
from platform_api.lti.accounts import account_for
from platform_api.lti.claims import Person
from platform_api.lti.keys import tool_key
from platform_api.lti.models import LtiContext, LtiIdentity, LtiRegistration
from platform_api.lti.schemas import RosterSync
from platform_api.lti.services import PlatformServices

logger = logging.getLogger(__name__)


def _listed_learners(members: list[Any]) -> list[Person]:
    """The active learners of a membership list; malformed entries are skipped (and logged)."""
    learners = []
    for member in members:
        if not isinstance(member, dict) or member.get("status", "Active") != "Active":
            continue
        try:
            person = Person(
                subject=member.get("user_id"),
                email=member.get("email"),
                name=member.get("name"),
                roles=member.get("roles", []),
            )
        except ValidationError:
            logger.warning("nrps member skipped: malformed", extra={"keys": sorted(member)[:20]})
            continue
        if person.role is Role.STUDENT:
            learners.append(person)
    return learners


async def _context_of(session: AsyncSession, class_id: uuid.UUID) -> LtiContext:
    context = await session.scalar(
        select(LtiContext).where(LtiContext.class_id == class_id).limit(1)
    )
    if context is None:
        raise NotFound("This class is not linked to an LMS course.", {"class_id": class_id})
    if context.memberships_url is None:
        raise Conflict(
            "The LMS has not offered its roster service (NRPS) for this course.",
            {"class_id": class_id, "reason": "no_nrps"},
        )
    return context


async def _enrol_listed(
    session: AsyncSession, issuer: str, class_id: uuid.UUID, learners: list[Person]
) -> tuple[set[uuid.UUID], int]:
    listed, added = set(), 0
    for person in learners:
        user = await account_for(session, issuer, person, Role.STUDENT)
        if user.role is not Role.STUDENT:
            continue
        listed.add(user.id)
        added += await enrol(session, class_id, user.id)
    return listed, added


async def enrol(session: AsyncSession, class_id: uuid.UUID, student_id: uuid.UUID) -> int:
    """Enrol the student unless they are (whoever else enrols them at the same time); 1 if
    this did."""
    inserted = await session.scalar(
        insert(Enrollment)
        .values(class_id=class_id, student_id=student_id)
        .on_conflict_do_nothing()
        .returning(Enrollment.student_id)
    )
    return 0 if inserted is None else 1


async def _unenrol_unlisted(
    session: AsyncSession, issuer: str, class_id: uuid.UUID, listed: set[uuid.UUID]
) -> int:
    stale = await session.scalars(
        select(Enrollment)
        .join(LtiIdentity, LtiIdentity.user_id == Enrollment.student_id)
        .where(
            Enrollment.class_id == class_id,
            LtiIdentity.issuer == issuer,
            Enrollment.student_id.not_in(listed),
        )
    )
    removed = 0
    for enrollment in stale:
        await session.delete(enrollment)
        removed += 1
    return removed


async def sync_roster(session: AsyncSession, settings: Settings, class_id: uuid.UUID) -> RosterSync:
    """Fetch the class's membership list from its platform and apply it (one transaction)."""
    context = await _context_of(session, class_id)
    registration = await session.get_one(LtiRegistration, context.registration_id)
    services = PlatformServices(registration, tool_key(settings))
    members = await services.members(str(context.memberships_url))
    learners = _listed_learners(members)
    issuer = registration.issuer
    listed, added = await _enrol_listed(session, issuer, class_id, learners)
    removed = await _unenrol_unlisted(session, issuer, class_id, listed)
    await session.commit()
    logger.info(
        "lti roster synced",
        extra={"class_id": str(class_id), "added": added, "removed": removed},
    )
    return RosterSync(class_id=class_id, members=len(learners), added=added, removed=removed)


async def sync_after_launch(database: Database, settings: Settings, class_id: uuid.UUID) -> None:
    """On an instructor's launch: a platform whose roster fails must not fail the launch."""
    async with database.session() as session:
        try:
            await sync_roster(session, settings, class_id)
        except AppError as error:
            logger.warning(
                "lti roster not synced at launch: %s",
                error.message,
                extra={"class_id": str(class_id), "details": error.details},
            )
        except IntegrityError:
            # A learner's launch made one of the listed accounts at the same time; the next
            # sync finds it.
            logger.warning(
                "lti roster not synced at launch: a launch raced it",
                extra={"class_id": str(class_id)},
            )
