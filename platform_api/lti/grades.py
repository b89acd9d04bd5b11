"""Assignment and Grade Services: a graded sitting of a quiz placed through LTI sends its score
to the platform's line item, which is created the first time it is needed.

The consumer is idempotent (its processed mark commits with the ``LtiScorePush`` row), and a
failed call raises, so the bus retries it with back-off and dead-letters it in the end. What was
done survives a retry: a created line item is recorded at once in its own transaction (and is
found again at the platform by its ``resourceId`` if even that was lost), so a retry posts the
score to the same line item instead of making a second; the score is recorded only when the
platform accepted it. The score carries the grading time as its timestamp, so a platform
that did record a score whose acknowledgement was lost ignores the repeat (AGS 2.0 §3.4.8).
"""

import functools
import logging
from dataclasses import dataclass

from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event
from core.infra.outbox import idempotent
from platform_api.assessments.events import ASSESSMENT_GRADED, AssessmentGraded
from platform_api.lti.keys import tool_key
from platform_api.lti.models import (
    LtiContext,
    LtiIdentity,
    LtiRegistration,
    LtiResourceLink,
    LtiScorePush,
)
from platform_api.lti.services import AGS_SCORE_SCOPE, PlatformServices
from platform_api.lti.targets import TargetKind, line_item_resource_id
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)
CONSUMER = "lti-grades"


@dataclass(frozen=True)
class Placement:
    """Where a quiz's scores go: its link, the link's course there, the platform, the learner."""

    link: LtiResourceLink
    context: LtiContext
    registration: LtiRegistration
    learner_subject: str


async def _placement(session: AsyncSession, graded: AssessmentGraded) -> Placement | None:
    row = (
        await session.execute(
            select(LtiResourceLink, LtiContext, LtiRegistration)
            .join(LtiContext, LtiContext.id == LtiResourceLink.context_pk)
            .join(LtiRegistration, LtiRegistration.id == LtiContext.registration_id)
            .where(
                LtiResourceLink.target_kind == TargetKind.QUIZ.value,
                LtiResourceLink.target_id == graded.assignment_id,
                LtiContext.class_id == graded.class_id,
            )
            .order_by(LtiResourceLink.created_at)
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    link, context, registration = row
    subject = await session.scalar(
        select(LtiIdentity.subject).where(
            LtiIdentity.user_id == graded.learner_id, LtiIdentity.issuer == registration.issuer
        )
    )
    return None if subject is None else Placement(link, context, registration, subject)


async def _line_item_url(
    stores: Stores, services: PlatformServices, placement: Placement, graded: AssessmentGraded
) -> str:
    """The link's line item; found or created at the platform and recorded at once."""
    link, context = placement.link, placement.context
    if link.line_item_url:
        return link.line_item_url
    assert context.lineitems_url, "checked by push_score"
    wanted = (
        LineItem()
        .set_label(graded.assignment_title)
        .set_score_maximum(graded.max_score or 1.0)
        .set_resource_id(line_item_resource_id(graded.assignment_id))
        .set_resource_link_id(link.resource_link_id)
    )
    url = await services.line_item(context.ags_scopes, context.lineitems_url, wanted)
    async with stores.database.session() as own, own.begin():
        await own.execute(
            update(LtiResourceLink).where(LtiResourceLink.id == link.id).values(line_item_url=url)
        )
    return url


def _grade(graded: AssessmentGraded, subject: str) -> Grade:
    return (
        Grade()
        .set_user_id(subject)
        .set_score_given(graded.score)
        .set_score_maximum(graded.max_score)
        .set_timestamp(graded.graded_at.isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
    )


async def push_score(stores: Stores, session: AsyncSession, event: Event) -> None:
    """Send one graded sitting's score, if its quiz was placed through LTI."""
    graded = AssessmentGraded.model_validate(event.payload)
    placement = await _placement(session, graded)
    if placement is None:
        return
    if await session.get(LtiScorePush, (graded.sitting_id, graded.grade_version)) is not None:
        return
    context = placement.context
    if AGS_SCORE_SCOPE not in context.ags_scopes or not (
        placement.link.line_item_url or context.lineitems_url
    ):
        logger.warning(
            "lti score not sent: the platform offered no grade service for this course",
            extra={"class_id": str(graded.class_id), "sitting_id": str(graded.sitting_id)},
        )
        return
    services = PlatformServices(placement.registration, tool_key(stores.settings))
    url = await _line_item_url(stores, services, placement, graded)
    grade = _grade(graded, placement.learner_subject)
    await services.post_score(context.ags_scopes, url, grade)
    session.add(
        LtiScorePush(
            sitting_id=graded.sitting_id,
            grade_version=graded.grade_version,
            resource_link_pk=placement.link.id,
            line_item_url=url,
            score=graded.score,
            max_score=graded.max_score,
        )
    )
    logger.info("lti score sent", extra={"sitting_id": str(graded.sitting_id)})


async def subscribe_lti_grades(stores: Stores) -> None:
    handle = functools.partial(push_score, stores)
    await stores.bus.subscribe(
        CONSUMER, [ASSESSMENT_GRADED], idempotent(stores.database, CONSUMER, handle)
    )
