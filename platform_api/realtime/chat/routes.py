"""HTTP endpoints of class chat (``/api/v1/classes/{id}/messages``): its history, and posting
from any API process (subscribers on every process receive the message)."""

import uuid

from fastapi import APIRouter

from core.errors import Forbidden, NotFound, RateLimited, ServiceUnavailable
from platform_api.auth.permissions import Principal
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.realtime.chat import service
from platform_api.realtime.chat.schemas import ChatMessageOut, ChatMessagePage, ChatMessagePost
from platform_api.realtime.chat.service import MessageBlocked
from platform_api.realtime.runtime import RealtimeDep

router = APIRouter(
    prefix="/api/v1/classes", tags=["class chat"], responses=responses(401, 422, 429)
)


@router.get(
    "/{class_id}/messages",
    response_model=ChatMessagePage,
    summary="A class's chat, newest first (its teacher and enrolled learners)",
    responses=responses(Forbidden, NotFound),
)
async def read_messages(
    class_id: uuid.UUID, session: DbSession, actor: Principal, limit: Limit = 50, offset: Offset = 0
) -> ChatMessagePage:
    return await service.history(session, actor.user_id, class_id, limit, offset)


@router.post(
    "/{class_id}/messages",
    status_code=201,
    response_model=ChatMessageOut,
    summary="Post to a class's chat; it is pushed to the class channel",
    responses=responses(Forbidden, NotFound, MessageBlocked, RateLimited, ServiceUnavailable),
)
async def post_message(
    class_id: uuid.UUID,
    body: ChatMessagePost,
    session: DbSession,
    actor: Principal,
    realtime: RealtimeDep,
) -> ChatMessageOut:
    return await service.post_message(session, realtime.posting, actor.user_id, class_id, body.text)
