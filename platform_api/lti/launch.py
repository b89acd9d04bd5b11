"""A verified launch, acted on: the account of its user, the class of its context, the link it
came through, and the page of the web client it lands on."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden
from platform_api.auth.models import Role, User
from platform_api.classes.models import ClassCourse, SchoolClass
from platform_api.lti import deep_linking
from platform_api.lti.accounts import account_for
from platform_api.lti.claims import LaunchClaims
from platform_api.lti.errors import ContextNotReady, LaunchInvalid
from platform_api.lti.models import LtiContext, LtiRegistration, LtiResourceLink
from platform_api.lti.protocol import ValidatedLaunch
from platform_api.lti.roster import enrol
from platform_api.lti.targets import (
    TARGET_PARAMETER,
    Target,
    TargetKind,
    destination,
    follow_course,
)
from platform_api.wiring import Stores

TEACHING_ROLES = frozenset({Role.TEACHER, Role.ADMIN})
LANDING_ATTEMPTS = 4


@dataclass(frozen=True)
class Landing:
    """Who the launch signed in, where they go, and the context it came from."""

    user: User
    next_path: str
    context: LtiContext
    role: Role


def _launch_role(claims: LaunchClaims) -> Role:
    role = claims.person.role
    if role is None:
        raise Forbidden(
            "The tool opens for instructors and learners; the LMS gave neither role.",
            {"reason": "role", "roles": claims.roles[:10]},
        )
    return role


def _check_account_role(user: User, role: Role) -> None:
    if role is Role.TEACHER and user.role not in TEACHING_ROLES:
        raise Forbidden(
            "The LMS says you teach this course, but your account here is not a teacher's.",
            {"reason": "role", "account_role": user.role.value},
        )


def _record_services(context: LtiContext, claims: LaunchClaims) -> None:
    """Keep the latest service endpoints the platform named for this context."""
    if claims.nrps is not None:
        context.memberships_url = str(claims.nrps.context_memberships_url)
    if claims.ags is not None and claims.ags.lineitems is not None:
        context.lineitems_url = str(claims.ags.lineitems)
        context.ags_scopes = claims.ags.scope


async def _context_for(
    session: AsyncSession,
    registration: LtiRegistration,
    claims: LaunchClaims,
    user: User,
    role: Role,
) -> LtiContext:
    """The context's class, created by its first instructor's launch."""
    if claims.context is None:
        raise LaunchInvalid("The launch names no course (context claim).", {"reason": "claims"})
    context = await session.scalar(
        select(LtiContext).where(
            LtiContext.registration_id == registration.id,
            LtiContext.context_id == claims.context.id,
        )
    )
    if context is None:
        if role is not Role.TEACHER:
            raise ContextNotReady(
                "Your teacher has not opened this tool in the course yet; try again later.",
                {"context_id": claims.context.id},
            )
        school_class = SchoolClass(name=claims.context.class_name, teacher_id=user.id)
        session.add(school_class)
        await session.flush()
        context = LtiContext(
            registration_id=registration.id,
            context_id=claims.context.id,
            class_id=school_class.id,
            ags_scopes=[],
        )
        session.add(context)
    context.deployment_id = claims.deployment_id
    _record_services(context, claims)
    await session.flush()
    return context


async def _link_for(
    session: AsyncSession, context: LtiContext, claims: LaunchClaims
) -> LtiResourceLink:
    """The resource link the launch came through, with its target and line item kept."""
    if claims.resource_link is None:
        raise LaunchInvalid("The launch names no resource link.", {"reason": "claims"})
    link = await session.scalar(
        select(LtiResourceLink).where(
            LtiResourceLink.context_pk == context.id,
            LtiResourceLink.resource_link_id == claims.resource_link.id,
        )
    )
    if link is None:
        link = LtiResourceLink(context_pk=context.id, resource_link_id=claims.resource_link.id)
        session.add(link)
    if TARGET_PARAMETER in claims.custom:
        target = Target.parse(claims.custom[TARGET_PARAMETER])
        link.target_kind, link.target_id = target.kind.value, target.id
    if claims.ags is not None and claims.ags.lineitem is not None:
        link.line_item_url = str(claims.ags.lineitem)
    await session.flush()
    return link


async def _default_page(session: AsyncSession, school_class: SchoolClass, role: Role) -> str:
    """No target: the teacher's class page, or the class's first course."""
    if role is Role.TEACHER:
        return f"/classes/{school_class.id}"
    course_id = await session.scalar(
        select(ClassCourse.course_id).where(ClassCourse.class_id == school_class.id).limit(1)
    )
    return f"/courses/{course_id}" if course_id else "/"


async def _resource_page(
    session: AsyncSession, context: LtiContext, claims: LaunchClaims, role: Role
) -> str:
    link = await _link_for(session, context, claims)
    school_class = await session.get_one(SchoolClass, context.class_id)
    if link.target_kind is None or link.target_id is None:
        return await _default_page(session, school_class, role)
    target = Target(TargetKind(link.target_kind), link.target_id)
    place = await destination(session, target, school_class)
    await follow_course(session, school_class.id, place.course_id)
    return place.path


async def _enrol(session: AsyncSession, class_id: uuid.UUID, user: User) -> None:
    if user.role is Role.STUDENT:
        await enrol(session, class_id, user.id)


async def land(session: AsyncSession, stores: Stores, launch: ValidatedLaunch) -> Landing:
    """Link the account, class, enrolment and link of a verified launch (not yet committed)."""
    for _ in range(LANDING_ATTEMPTS - 1):
        try:
            return await _land(session, stores, launch)
        except IntegrityError:
            # A simultaneous launch (another tab, the course's other instructor) made the same
            # account, class or link first: look again and find it. Each retry follows another
            # launch's commit, so a few suffice.
            await session.rollback()
            await session.refresh(launch.registration)
    return await _land(session, stores, launch)


async def _land(session: AsyncSession, stores: Stores, launch: ValidatedLaunch) -> Landing:
    claims = launch.claims
    role = _launch_role(claims)
    issuer = launch.registration.issuer
    user = await account_for(session, issuer, claims.person, role)
    _check_account_role(user, role)
    context = await _context_for(session, launch.registration, claims, user, role)
    await _enrol(session, context.class_id, user)
    if claims.deep_linking is not None:
        if role is not Role.TEACHER:
            raise Forbidden("Only instructors place links.", {"reason": "role"})
        await deep_linking.open_session(stores.cache, launch, user.id, context)
        return Landing(user, deep_linking.page_of(launch.launch_id), context, role)
    return Landing(user, await _resource_page(session, context, claims, role), context, role)
