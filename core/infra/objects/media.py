"""Uploaded media recognised by their magic bytes, never by the client's declared type."""

from core.errors import PayloadTooLarge, UnsupportedMediaType

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOCUMENT_TYPES = frozenset({"application/pdf"})
AUDIO_VIDEO_TYPES = frozenset({"audio/mpeg", "video/mp4"})

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"ID3", "audio/mpeg"),
)


def sniff_media_type(data: bytes) -> str | None:
    for prefix, media_type in _PREFIXES:
        if data.startswith(prefix):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def check_upload(data: bytes, max_bytes: int, allowed: frozenset[str], what: str) -> str:
    """Return the upload's media type, or raise 413 (too large) / 415 (not an allowed type)."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The {what} is too large.", {"max_bytes": max_bytes})
    media_type = sniff_media_type(data)
    if media_type not in allowed:
        raise UnsupportedMediaType(
            f"This {what} type is not accepted.", {"accepted": sorted(allowed)}
        )
    return media_type
