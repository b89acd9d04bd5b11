"""Avatar images: type checked by their magic bytes (not the client's claim) and size-limited."""

import uuid

from platform_api.errors import PayloadTooLarge, UnsupportedMediaType

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image_type(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_avatar(data: bytes, max_bytes: int) -> str:
    """Return the image's content type, or raise 413/415."""
    if len(data) > max_bytes:
        raise PayloadTooLarge("The avatar is too large.", {"max_bytes": max_bytes})
    content_type = sniff_image_type(data)
    if content_type is None:
        raise UnsupportedMediaType("Avatars must be PNG, JPEG, GIF or WebP images.")
    return content_type


def avatar_prefix(user_id: uuid.UUID) -> str:
    return f"avatars/{user_id}/"


def avatar_key(user_id: uuid.UUID) -> str:
    return f"{avatar_prefix(user_id)}{uuid.uuid4().hex}"
