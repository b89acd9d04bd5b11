"""Enrolment photos: the learner's reference face for the identity check.

A photo is accepted only if it is a JPEG or PNG under the size limit that shows exactly one face
(``proctor``'s own enrolment check). The photo is sealed into the object store under a key
nobody can guess; its face embedding is sealed into the database. Nothing is stored for a photo
that is refused.
"""

import secrets
import uuid
from typing import cast

import cv2
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from core.encryption import AesGcmCipher
from core.errors import NotFound
from core.infra.database import utcnow
from core.infra.objects import ObjectStore
from core.infra.objects.media import check_upload
from platform_api.proctor.audit import BiometricData, record_view
from platform_api.proctor.models import EnrolmentPhoto
from platform_api.proctor.runtime import Proctoring
from proctor.errors import EnrolmentRejected
from proctor.faces import Embedding
from proctor.signals import Image

PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
SEALED_CONTENT_TYPE = "application/octet-stream"


def enrolment_prefix(user_id: uuid.UUID) -> str:
    return f"biometrics/enrolment/{user_id}/"


def _embedding_context(user_id: uuid.UUID) -> str:
    return f"enrolment_photos/{user_id}/embedding"


def decoded_photo(data: bytes, max_bytes: int) -> tuple[Image, str]:
    """The photo as a BGR image and its media type; 413, 415 or 422 when it is not one."""
    media_type = check_upload(data, max_bytes, PHOTO_TYPES, "enrolment photo")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise EnrolmentRejected("The enrolment photo cannot be read as an image.")
    return cast(Image, image), media_type


async def set_photo(
    session: AsyncSession,
    proctoring: Proctoring,
    store: ObjectStore,
    user_id: uuid.UUID,
    data: bytes,
    max_bytes: int,
) -> EnrolmentPhoto:
    """Check the photo, seal and store it and its embedding, replacing an earlier one."""
    image, media_type = decoded_photo(data, max_bytes)
    embedding = await proctoring.faces.embedding(image)  # 422 without exactly one face
    key = f"{enrolment_prefix(user_id)}{secrets.token_urlsafe(24)}"
    await store.put(key, proctoring.cipher.seal(data, context=key), SEALED_CONTENT_TYPE)
    record = await session.get(EnrolmentPhoto, user_id, with_for_update=True)
    previous_key = record.photo_key if record is not None else None
    if record is None:
        record = EnrolmentPhoto(user_id=user_id)
        session.add(record)
    record.photo_key, record.content_type, record.created_at = key, media_type, utcnow()
    record.sealed_embedding = proctoring.cipher.seal(
        embedding.tobytes(), context=_embedding_context(user_id)
    )
    try:
        await session.commit()
    except Exception:
        await store.delete(key)  # the row was not saved: no orphan photo either
        raise
    if previous_key is not None:
        await store.delete(previous_key)
    return record


async def photo_bytes(
    session: AsyncSession, proctoring: Proctoring, store: ObjectStore, viewer_id: uuid.UUID
) -> tuple[bytes, str]:
    """The viewer's own enrolment photo and its media type (the view is audited)."""
    record = await session.get(EnrolmentPhoto, viewer_id)
    stored = None if record is None else await store.get(record.photo_key)
    if record is None or stored is None:
        raise NotFound("No enrolment photo.")
    photo = proctoring.cipher.open(stored.data, context=record.photo_key)
    record_view(
        session, viewer_id, viewer_id, BiometricData.ENROLMENT_PHOTO, object_key=record.photo_key
    )
    await session.commit()
    return photo, record.content_type


async def delete_photo(session: AsyncSession, store: ObjectStore, user_id: uuid.UUID) -> None:
    record = await session.get(EnrolmentPhoto, user_id)
    if record is None:
        raise NotFound("No enrolment photo.")
    await session.delete(record)
    await session.commit()
    await store.delete(record.photo_key)


def opened_embedding(record: EnrolmentPhoto, cipher: AesGcmCipher) -> Embedding:
    plain = cipher.open(record.sealed_embedding, context=_embedding_context(record.user_id))
    return np.frombuffer(plain, np.float64).copy()
