"""HTTP endpoints of the item bank, assignments and sittings (thin: parse, call, shape)."""

import uuid

from fastapi import APIRouter, Query

from core.errors import Forbidden, NotFound, PreconditionFailed
from platform_api.assessments import assignments, bank, sittings, views
from platform_api.assessments.auth import Learner
from platform_api.assessments.clock import Now
from platform_api.assessments.errors import (
    AttemptsExhausted,
    InvalidAnswer,
    OutsideWindow,
    SittingAlreadyOpen,
    SittingClosed,
    SittingNotReopenable,
)
from platform_api.assessments.schemas import (
    AccommodationIn,
    AccommodationOut,
    AnswerIn,
    AnswerOut,
    AssignmentCreate,
    AssignmentOut,
    ItemCreate,
    ItemOut,
    ItemPatch,
    ReopenIn,
    ReopeningOut,
    ResultsOut,
    SittingOut,
    SittingStart,
    SittingSummary,
)
from platform_api.auth.permissions import ContentTeam, Principal, Staff
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.proctor.errors import IdentityNotVerified, ProctoringRequired

COMMON = responses(401, 422, 429)
items = APIRouter(prefix="/api/v1/items", tags=["items"], responses=COMMON)
assignment_routes = APIRouter(prefix="/api/v1/assignments", tags=["assignments"], responses=COMMON)
sitting_routes = APIRouter(prefix="/api/v1/sittings", tags=["sittings"], responses=COMMON)


@items.post(
    "",
    status_code=201,
    response_model=ItemOut,
    summary="Write an item under a lesson (multiple choice, numeric or short answer)",
    responses=responses(Forbidden, NotFound),
)
async def create_item(body: ItemCreate, session: DbSession, actor: ContentTeam) -> ItemOut:
    return await bank.create_item(session, actor, body)


@items.get(
    "/{item_id}",
    response_model=ItemOut,
    summary="One item with its key and rubric (for those who may edit it)",
    responses=responses(Forbidden, NotFound),
)
async def get_item(item_id: uuid.UUID, session: DbSession, actor: ContentTeam) -> ItemOut:
    return await bank.get_item(session, actor, item_id)


@items.patch(
    "/{item_id}",
    response_model=ItemOut,
    summary="Edit an item: a new version; answered versions stay as they were",
    responses=responses(Forbidden, NotFound, PreconditionFailed),
)
async def patch_item(
    item_id: uuid.UUID, body: ItemPatch, session: DbSession, actor: ContentTeam
) -> ItemOut:
    return await bank.patch_item(session, actor, item_id, body)


@assignment_routes.post(
    "",
    status_code=201,
    response_model=AssignmentOut,
    summary="Give a class homework or an exam",
    responses=responses(Forbidden, NotFound),
)
async def create_assignment(
    body: AssignmentCreate, session: DbSession, actor: Staff
) -> AssignmentOut:
    return await assignments.create_assignment(session, actor, body)


@assignment_routes.get(
    "",
    response_model=list[AssignmentOut],
    summary="Assignments of the classes you teach, attend or follow",
)
async def list_assignments(
    session: DbSession,
    actor: Principal,
    limit: Limit = 50,
    offset: Offset = 0,
    class_id: uuid.UUID | None = Query(None, description="Only this class's."),
) -> list[AssignmentOut]:
    return await assignments.list_assignments(session, actor, class_id, limit, offset)


@assignment_routes.get(
    "/{assignment_id}",
    response_model=AssignmentOut,
    summary="One assignment (items, seed and accommodations for its teacher)",
    responses=responses(NotFound),
)
async def get_assignment(
    assignment_id: uuid.UUID, session: DbSession, actor: Principal
) -> AssignmentOut:
    return await assignments.get_assignment(session, actor, assignment_id)


@assignment_routes.put(
    "/{assignment_id}/accommodations/{learner_id}",
    response_model=AccommodationOut,
    summary="Grant a learner extra time or another window (their deadline only)",
    responses=responses(Forbidden, NotFound),
)
async def put_accommodation(
    assignment_id: uuid.UUID,
    learner_id: uuid.UUID,
    body: AccommodationIn,
    session: DbSession,
    actor: Staff,
    now: Now,
) -> AccommodationOut:
    return await assignments.put_accommodation(session, actor, assignment_id, learner_id, body, now)


@sitting_routes.post(
    "",
    status_code=201,
    response_model=SittingOut,
    summary="Start a sitting of an assignment",
    responses=responses(Forbidden, NotFound, OutsideWindow, AttemptsExhausted, SittingAlreadyOpen),
)
async def start_sitting(
    body: SittingStart, session: DbSession, actor: Learner, now: Now
) -> SittingOut:
    sitting = await sittings.start_sitting(session, actor, body.assignment_id, now)
    return await views.sitting_view(session, sitting, now)


@sitting_routes.get(
    "",
    response_model=list[SittingSummary],
    summary="Your sittings, or those of the classes you teach",
    responses=responses(NotFound),
)
async def list_sittings(
    session: DbSession,
    actor: Principal,
    limit: Limit = 50,
    offset: Offset = 0,
    assignment_id: uuid.UUID | None = Query(None, description="Only this assignment's."),
) -> list[SittingSummary]:
    return await views.list_sittings(session, actor, assignment_id, limit, offset)


@sitting_routes.get(
    "/{sitting_id}",
    response_model=SittingOut,
    summary="A sitting's items in the learner's order, with the answers saved so far",
    responses=responses(NotFound),
)
async def get_sitting(
    sitting_id: uuid.UUID, session: DbSession, actor: Principal, now: Now
) -> SittingOut:
    sitting, _, _ = await views.visible_sitting(session, actor, sitting_id)
    return await views.sitting_view(session, sitting, now)


@sitting_routes.put(
    "/{sitting_id}/answers/{item_id}",
    response_model=AnswerOut,
    summary="Save an answer (the last one before the close counts)",
    responses=responses(
        Forbidden, NotFound, SittingClosed, InvalidAnswer, ProctoringRequired, IdentityNotVerified
    ),
)
async def save_answer(
    sitting_id: uuid.UUID,
    item_id: uuid.UUID,
    body: AnswerIn,
    session: DbSession,
    actor: Learner,
    now: Now,
) -> AnswerOut:
    return await sittings.save_answer(session, actor, sitting_id, item_id, body, now)


@sitting_routes.post(
    "/{sitting_id}/submit",
    response_model=SittingOut,
    summary="Submit the sitting for grading (again: the same sitting, unchanged)",
    responses=responses(Forbidden, NotFound),
)
async def submit_sitting(
    sitting_id: uuid.UUID, session: DbSession, actor: Learner, now: Now
) -> SittingOut:
    sitting = await sittings.submit(session, actor, sitting_id, now)
    return await views.sitting_view(session, sitting, now)


@sitting_routes.post(
    "/{sitting_id}/reopen",
    status_code=201,
    response_model=ReopeningOut,
    summary="Reopen a closed sitting after a technical failure (answers kept, reason recorded)",
    responses=responses(Forbidden, NotFound, SittingNotReopenable, SittingAlreadyOpen),
)
async def reopen_sitting(
    sitting_id: uuid.UUID, body: ReopenIn, session: DbSession, actor: Staff, now: Now
) -> ReopeningOut:
    return await sittings.reopen(session, actor, sitting_id, body, now)


@sitting_routes.get(
    "/{sitting_id}/results",
    response_model=ResultsOut,
    summary="Grades of a sitting, shown to its learner by the feedback timing",
    responses=responses(NotFound),
)
async def sitting_results(
    sitting_id: uuid.UUID, session: DbSession, actor: Principal, now: Now
) -> ResultsOut:
    return await views.results(session, actor, sitting_id, now)


router = APIRouter()
for part in (items, assignment_routes, sitting_routes):
    router.include_router(part)
