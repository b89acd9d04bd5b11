"""HTTP endpoints of the users domain (``/api/v1/users``)."""

import uuid

from fastapi import APIRouter, Response, UploadFile

from core.errors import NotFound
from platform_api.auth.permissions import CurrentUser, Principal
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.uploads import read_limited
from platform_api.users import service
from platform_api.users.schemas import ProfileUpdate, UserExport, UserOut

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=responses(401, 403, 422, 429))


@router.get("/me", response_model=UserOut, summary="Your profile")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.patch("/me", response_model=UserOut, summary="Change your profile")
async def update_me(body: ProfileUpdate, user: CurrentUser, session: DbSession) -> UserOut:
    return UserOut.of(await service.update_profile(session, user, body))


@router.put(
    "/me/avatar",
    response_model=UserOut,
    summary="Upload your avatar (PNG/JPEG/GIF/WebP)",
    responses=responses(413, 415),
)
async def upload_avatar(
    file: UploadFile, user: CurrentUser, session: DbSession, stores: StoresDep
) -> UserOut:
    data = await read_limited(file, stores.settings.max_avatar_bytes, "avatar")
    return UserOut.of(await service.set_avatar(session, stores, user, data))


@router.get(
    "/me/avatar",
    summary="Your avatar image",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}, **responses(404)},
)
async def get_avatar(user: CurrentUser, stores: StoresDep) -> Response:
    stored = await stores.objects.get(user.avatar_key) if user.avatar_key else None
    if stored is None:
        raise NotFound("No avatar.")
    return Response(stored.data, media_type=stored.content_type)


@router.get(
    "/me/children", response_model=list[UserOut], summary="Children linked to you (parents)"
)
async def my_children(user: CurrentUser, session: DbSession) -> list[UserOut]:
    return [UserOut.of(child) for child in await service.linked_children(session, user)]


@router.get("/me/export", response_model=UserExport, summary="Everything stored about you (GDPR)")
async def export_me(user: CurrentUser, session: DbSession, stores: StoresDep) -> UserExport:
    return await service.export_user(session, stores, user)


@router.delete("/me", status_code=204, summary="Erase your account from every store (GDPR)")
async def erase_me(user: CurrentUser, session: DbSession, stores: StoresDep) -> None:
    await service.erase_user(session, stores, user)


@router.get(
    "/{user_id}", response_model=UserOut, summary="A user you may see", responses=responses(404)
)
async def get_user(user_id: uuid.UUID, actor: Principal, session: DbSession) -> UserOut:
    return UserOut.of(await service.readable_user(session, actor, user_id))
