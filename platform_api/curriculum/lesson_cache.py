"""Published lessons cached as ready-to-send JSON (TTL from settings, invalidated on change)."""

import uuid

from core.curriculum.models import Lesson, LessonStatus
from core.infra.cache import Cache
from platform_api.curriculum.schemas import LessonOut
from platform_api.wiring import Stores


def cache_key(lesson_id: uuid.UUID) -> str:
    return f"lesson:published:{lesson_id}"


def lesson_etag(lesson_id: uuid.UUID | str, version: int) -> str:
    return f'"{lesson_id}.{version}"'


class PublishedLessonCache:
    def __init__(self, cache: Cache, ttl_seconds: int) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds

    async def get(self, lesson_id: uuid.UUID) -> tuple[bytes, str] | None:
        """The lesson's JSON and ETag, when cached."""
        cached = await self.cache.get(cache_key(lesson_id))
        if cached is None:
            return None
        etag, _, body = cached.partition(b"\n")
        return body, etag.decode()

    async def put(self, lesson: Lesson) -> bytes:
        body = LessonOut.model_validate(lesson).model_dump_json().encode()
        if lesson.status is LessonStatus.PUBLISHED and self.ttl_seconds > 0:
            etag = lesson_etag(lesson.id, lesson.version).encode()
            await self.cache.set(cache_key(lesson.id), etag + b"\n" + body, self.ttl_seconds)
        return body

    async def invalidate(self, lesson_id: uuid.UUID) -> None:
        await self.cache.delete(cache_key(lesson_id))


def published_lesson_cache(stores: Stores) -> PublishedLessonCache:
    return PublishedLessonCache(stores.cache, stores.settings.lesson_cache_ttl_seconds)
