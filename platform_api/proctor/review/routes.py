"""HTTP endpoints of the human review of proctored sittings: the integrity report, evidence
keyframes, the review queue, decisions and the learner's appeal."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from core.errors import NotFound
from platform_api.assessments.auth import Learner
from platform_api.assessments.clock import Now
from platform_api.auth.permissions import Principal
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.proctor.auth import Reviewer
from platform_api.proctor.errors import (
    AppealExists,
    AppealNotAllowed,
    AppealWindowClosed,
    NothingToAppeal,
    ProctoringNotRequired,
    SecondReviewerRequired,
    SittingInProgress,
    StaleReviewVersion,
)
from platform_api.proctor.review import decisions
from platform_api.proctor.review.keyframes import (
    EVENT_ID_PATTERN,
    MAX_EVENT_ID_CHARACTERS,
    MAX_KEYFRAME_INDEX,
    keyframe,
)
from platform_api.proctor.review.queue import review_queue
from platform_api.proctor.review.report import integrity_report
from platform_api.proctor.review.schemas import (
    AppealIn,
    AppealOut,
    DecisionIn,
    DecisionOut,
    IntegrityReport,
    ReviewQueuePage,
    ReviewState,
)
from platform_api.proctor.runtime import ProctoringDep

EventId = Annotated[
    str,
    Path(max_length=MAX_EVENT_ID_CHARACTERS, pattern=EVENT_ID_PATTERN, description="An event."),
]
KeyframeIndex = Annotated[int, Path(ge=0, le=MAX_KEYFRAME_INDEX, description="0 for the first.")]

router = APIRouter(
    prefix="/api/v1/proctor", tags=["proctor review"], responses=responses(401, 403, 422, 429)
)


@router.get(
    "/sittings/{sitting_id}/report",
    response_model=IntegrityReport,
    summary="A sitting's integrity report: proctor, browser and tutor events in one time line",
    responses=responses(NotFound),
)
async def get_report(
    sitting_id: uuid.UUID, actor: Principal, session: DbSession, stores: StoresDep, now: Now
) -> IntegrityReport:
    return await integrity_report(session, stores.analytics, actor, sitting_id, now)


@router.get(
    "/sittings/{sitting_id}/evidence/{event_id}/{index}",
    summary="One evidence keyframe of an event (JPEG; reviewers only; each view is recorded)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **responses(NotFound)},
)
async def get_keyframe(
    sitting_id: uuid.UUID,
    event_id: EventId,
    index: KeyframeIndex,
    actor: Reviewer,
    session: DbSession,
    stores: StoresDep,
    proctoring: ProctoringDep,
) -> Response:
    address = (sitting_id, event_id, index)
    jpeg = await keyframe(session, proctoring, stores.objects, actor, address)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get(
    "/reviews",
    response_model=ReviewQueuePage,
    summary="Ended sittings of proctored exams waiting for review, appealed, or decided",
)
async def get_review_queue(
    actor: Reviewer,
    session: DbSession,
    state: Annotated[ReviewState, Query(description="Which sittings.")] = ReviewState.PENDING,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ReviewQueuePage:
    return await review_queue(session, actor, state, limit, offset)


@router.post(
    "/sittings/{sitting_id}/decisions",
    status_code=201,
    response_model=DecisionOut,
    summary="Decide on a sitting: clean, suspicious or violation (a new version each time)",
    responses=responses(
        NotFound,
        SecondReviewerRequired,
        StaleReviewVersion,
        SittingInProgress,
        ProctoringNotRequired,
    ),
)
async def post_decision(
    sitting_id: uuid.UUID, body: DecisionIn, actor: Reviewer, session: DbSession, now: Now
) -> DecisionOut:
    return await decisions.decide(session, actor, sitting_id, body, now)


@router.post(
    "/sittings/{sitting_id}/appeal",
    status_code=201,
    response_model=AppealOut,
    summary="Appeal the review of your sitting (once; a suspicious or violation decision)",
    responses=responses(
        NotFound, NothingToAppeal, AppealNotAllowed, AppealExists, AppealWindowClosed
    ),
)
async def post_appeal(
    sitting_id: uuid.UUID,
    body: AppealIn,
    actor: Learner,
    session: DbSession,
    stores: StoresDep,
    now: Now,
) -> AppealOut:
    window = timedelta(days=stores.settings.proctor_appeal_window_days)
    return await decisions.file_appeal(session, actor, sitting_id, body, now, window)
