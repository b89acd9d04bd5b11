"""HTTP endpoints of mastery: a learner's own (``/api/v1/me/mastery``) and a followed learner's."""

import uuid

from fastapi import APIRouter

from core.errors import Forbidden, NotFound
from platform_api.auth.permissions import Principal
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.mastery import service
from platform_api.mastery.schemas import ObjectiveMastery
from platform_api.mastery.settings import MasterySettings
from platform_api.users.service import readable_user

router = APIRouter(prefix="/api/v1", tags=["mastery"], responses=responses(401, 422, 429))


@router.get(
    "/me/mastery",
    response_model=list[ObjectiveMastery],
    summary="Your mastery of each learning objective you have answered items on",
)
async def my_mastery(
    session: DbSession,
    actor: Principal,
    course_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ObjectiveMastery]:
    return await service.learner_mastery(
        session, actor.user_id, MasterySettings(), course_id, limit, offset
    )


@router.get(
    "/users/{user_id}/mastery",
    response_model=list[ObjectiveMastery],
    summary="A learner's mastery: yours, a linked child's (parents), a student's (their teachers)",
    responses=responses(Forbidden, NotFound),
)
async def learner_mastery(
    user_id: uuid.UUID,
    session: DbSession,
    actor: Principal,
    course_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ObjectiveMastery]:
    learner = await readable_user(session, actor, user_id)
    return await service.learner_mastery(
        session, learner.id, MasterySettings(), course_id, limit, offset
    )
