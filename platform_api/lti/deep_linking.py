"""Deep linking: an instructor, sent here by the LMS, picks what to place in the LMS course (a
course, a lesson, a course's tutor or one of the class's quizzes); the answer is an
LtiDeepLinkingResponse signed with the tool key, posted back to the platform."""

import uuid

from pydantic import BaseModel
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Lesson
from core.errors import Forbidden, NotFound, ValidationFailed
from core.infra.cache import Cache
from platform_api.assessments.models import Assignment, AssignmentItem
from platform_api.classes.models import SchoolClass
from platform_api.lti.adapter import auto_submit_form
from platform_api.lti.claims import DeepLinkingSettings
from platform_api.lti.keys import tool_key
from platform_api.lti.models import LtiContext, LtiRegistration
from platform_api.lti.protocol import ValidatedLaunch, launch_url
from platform_api.lti.schemas import Candidate, DeepLinkingAnswer
from platform_api.lti.targets import Target, TargetKind, destination, line_item_resource_id
from platform_api.lti.tool_config import as_registration
from platform_api.wiring import Stores

SESSION_TTL_SECONDS = 3600
WEB_PAGE = "/lti/deep-linking"
MAX_CANDIDATES = 200


class DeepLinkingSession(BaseModel):
    """A deep-linking launch waiting for its instructor's choice (kept in the cache)."""

    registration_id: uuid.UUID
    deployment_id: str
    user_id: uuid.UUID
    class_id: uuid.UUID
    settings: DeepLinkingSettings


def _key(launch_id: str) -> str:
    return f"lti:deep-linking:{launch_id}"


def page_of(launch_id: str) -> str:
    """The web client's page where the instructor chooses."""
    return f"{WEB_PAGE}/{launch_id}"


async def open_session(
    cache: Cache, launch: ValidatedLaunch, user_id: uuid.UUID, context: LtiContext
) -> None:
    settings = launch.claims.deep_linking
    assert settings is not None, "a deep-linking launch carries its settings"
    pending = DeepLinkingSession(
        registration_id=launch.registration.id,
        deployment_id=launch.claims.deployment_id,
        user_id=user_id,
        class_id=context.class_id,
        settings=settings,
    )
    await cache.set(_key(launch.launch_id), pending.model_dump_json().encode(), SESSION_TTL_SECONDS)


async def _pending(cache: Cache, launch_id: str, user_id: uuid.UUID) -> DeepLinkingSession:
    stored = await cache.get(_key(launch_id))
    if stored is None:
        raise NotFound("This deep-linking launch has expired or was answered; start again.")
    pending = DeepLinkingSession.model_validate_json(stored)
    if pending.user_id != user_id:
        raise Forbidden("This deep-linking launch is another instructor's.")
    return pending


async def candidates(
    session: AsyncSession,
    cache: Cache,
    launch_id: str,
    user_id: uuid.UUID,
    kind: TargetKind,
    course_id: uuid.UUID | None,
) -> list[Candidate]:
    """What may be placed, of one kind (lessons of one course)."""
    pending = await _pending(cache, launch_id, user_id)
    if kind is TargetKind.QUIZ:
        quizzes = await session.scalars(
            select(Assignment)
            .where(Assignment.class_id == pending.class_id)
            .order_by(Assignment.created_at)
            .limit(MAX_CANDIDATES)
        )
        return [
            Candidate(kind=kind, id=a.id, title=a.title, course_id=a.course_id) for a in quizzes
        ]
    if kind is TargetKind.LESSON:
        if course_id is None:
            raise ValidationFailed("Lessons are listed per course.", {"field": "course_id"})
        lessons = await session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.position, Lesson.created_at)
            .limit(MAX_CANDIDATES)
        )
        return [Candidate(kind=kind, id=x.id, title=x.title, course_id=course_id) for x in lessons]
    courses = await session.scalars(select(Course).order_by(Course.title).limit(MAX_CANDIDATES))
    return [Candidate(kind=kind, id=c.id, title=c.title, course_id=c.id) for c in courses]


async def _quiz_points(session: AsyncSession, assignment_id: uuid.UUID) -> float:
    total = await session.scalar(
        select(func.coalesce(func.sum(AssignmentItem.points), 0.0)).where(
            AssignmentItem.assignment_id == assignment_id
        )
    )
    return float(total or 0.0) or 1.0


async def _resource(
    session: AsyncSession, stores: Stores, target: Target, school_class: SchoolClass
) -> DeepLinkResource:
    place = await destination(session, target, school_class)
    resource = (
        DeepLinkResource()
        .set_url(launch_url(stores))
        .set_title(place.title)
        .set_custom_params(target.custom)
    )
    if target.kind is TargetKind.QUIZ:
        line_item = (
            LineItem()
            .set_score_maximum(await _quiz_points(session, target.id))
            .set_label(place.title)
            .set_resource_id(line_item_resource_id(target.id))
        )
        resource.set_lineitem(line_item)
    return resource


async def respond(
    session: AsyncSession,
    stores: Stores,
    launch_id: str,
    user_id: uuid.UUID,
    choices: list[Target],
) -> DeepLinkingAnswer:
    """The signed response placing ``choices``; the launch is spent once answered."""
    pending = await _pending(stores.cache, launch_id, user_id)
    if len(choices) > 1 and not pending.settings.multiple:
        raise ValidationFailed("The LMS accepts one item here.", {"field": "items"})
    registration = await session.get(LtiRegistration, pending.registration_id)
    school_class = await session.get(SchoolClass, pending.class_id)
    if registration is None or school_class is None:
        raise NotFound("The platform or class of this launch is gone.")
    resources = [await _resource(session, stores, target, school_class) for target in choices]
    settings = pending.settings.model_dump(mode="json")
    deep_link = DeepLink(
        as_registration(registration, tool_key(stores.settings)),
        pending.deployment_id,
        settings,  # type: ignore[arg-type]
    )
    signed = deep_link.get_response_jwt(resources)
    await stores.cache.delete(_key(launch_id))
    return_url = str(pending.settings.deep_link_return_url)
    return DeepLinkingAnswer(
        jwt=signed, return_url=return_url, form_html=auto_submit_form(return_url, {"JWT": signed})
    )
