"""Avatar images: type checked by their magic bytes (not the client's claim) and size-limited."""

import uuid

from core.infra.objects.media import IMAGE_TYPES, check_upload


def validate_avatar(data: bytes, max_bytes: int) -> str:
    """Return the image's content type, or raise 413/415."""
    return check_upload(data, max_bytes, IMAGE_TYPES, "avatar")


def avatar_prefix(user_id: uuid.UUID) -> str:
    return f"avatars/{user_id}/"


def avatar_key(user_id: uuid.UUID) -> str:
    return f"{avatar_prefix(user_id)}{uuid.uuid4().hex}"
