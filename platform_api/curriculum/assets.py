"""Files attached to lessons (images, PDFs, audio, video), kept in the object store."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Lesson
from core.errors import NotFound
from core.infra.objects import ObjectStore, StoredObject
from core.infra.objects.media import (
    AUDIO_VIDEO_TYPES,
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    check_upload,
)
from platform_api.auth.tokens import AccessClaims
from platform_api.curriculum import access
from platform_api.curriculum.deletion import lesson_files_prefix
from platform_api.curriculum.lesson_cache import PublishedLessonCache
from platform_api.curriculum.service import check_if_match, commit_new_version

ASSET_TYPES = IMAGE_TYPES | DOCUMENT_TYPES | AUDIO_VIDEO_TYPES


def asset_key(lesson_id: uuid.UUID, asset_id: uuid.UUID) -> str:
    return f"{lesson_files_prefix(lesson_id)}assets/{asset_id}"


def _kind(media_type: str) -> str:
    if media_type in IMAGE_TYPES:
        return "image"
    return "video" if media_type.startswith(("video/", "audio/")) else "file"


def _asset_entry(
    lesson: Lesson, asset_id: uuid.UUID, title: str, media_type: str, size: int
) -> dict[str, Any]:
    return {
        "kind": _kind(media_type),
        "asset_id": str(asset_id),
        "url": f"/api/v1/curricula/lessons/{lesson.id}/assets/{asset_id}",
        "title": title,
        "content_type": media_type,
        "bytes": size,
    }


async def add_asset(
    session: AsyncSession,
    objects: ObjectStore,
    cache: PublishedLessonCache,
    actor: AccessClaims,
    lesson_id: uuid.UUID,
    if_match: str | None,
    upload: tuple[bytes, str],
    max_bytes: int,
) -> Lesson:
    """Store the file, then record it on a new lesson version (an orphaned object, never a
    dangling reference, is what a crash between the two can leave)."""
    data, title = upload
    lesson = await access.editable_lesson(session, actor, lesson_id)
    check_if_match(lesson, if_match)
    media_type = check_upload(data, max_bytes, ASSET_TYPES, "asset")
    asset_id = uuid.uuid4()
    await objects.put(asset_key(lesson.id, asset_id), data, media_type)
    entry = _asset_entry(lesson, asset_id, title, media_type, len(data))
    lesson.assets = [*lesson.assets, entry]
    return await commit_new_version(session, actor, lesson, f"asset added: {title}", cache)


async def read_asset(
    session: AsyncSession,
    objects: ObjectStore,
    actor: AccessClaims,
    lesson_id: uuid.UUID,
    asset_id: uuid.UUID,
) -> StoredObject:
    lesson = await access.readable_lesson(session, actor, lesson_id)
    if not any(asset.get("asset_id") == str(asset_id) for asset in lesson.assets):
        raise NotFound("No such asset on this lesson.")
    stored = await objects.get(asset_key(lesson.id, asset_id))
    if stored is None:
        raise NotFound("The asset's file is missing from storage.")
    return stored
