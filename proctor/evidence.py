"""Evidence keyframes: one frame as a JPEG of bounded size, handed to the store the platform
provides (encrypted there). Never the raw video: only the frames the risk engine asks for."""

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from proctor.risk import EvidenceRequest
from proctor.settings import ProctorSettings
from proctor.signals import Image, SignalKind

# Tried in turn when a keyframe is over the byte cap at the configured quality; below the last
# one faces smear, so the picture is made smaller instead.
FALLBACK_QUALITIES = (60, 40, 25)
SMALLEST_SIDE = 32


class EvidenceSink(Protocol):
    """Where keyframes go (the platform's encrypted object store). ``save`` returns the object
    key, which must not be guessable: evidence is biometric data."""

    async def save(self, jpeg: bytes, *, at: float, kind: SignalKind) -> str: ...


def encode_keyframe(image: Image, *, quality: int, max_bytes: int) -> bytes:
    """The frame as a JPEG of at most ``max_bytes``: at its own size and ``quality`` if that
    fits, else at lower qualities, then at half sizes. ValueError if even the smallest is over."""
    for candidate, candidate_quality in _encodings(image, quality):
        encoded, jpeg = cv2.imencode(
            ".jpg", candidate, [cv2.IMWRITE_JPEG_QUALITY, candidate_quality]
        )
        if not encoded:
            raise ValueError(f"OpenCV could not encode a frame of shape {image.shape} as JPEG")
        if len(jpeg) <= max_bytes:
            return jpeg.tobytes()
    raise ValueError(f"no JPEG of this frame fits in {max_bytes} bytes")


def _encodings(image: Image, quality: int) -> Iterator[tuple[Image, int]]:
    qualities = [quality, *(lower for lower in FALLBACK_QUALITIES if lower < quality)]
    for candidate_quality in qualities:
        yield image, candidate_quality
    height, width = image.shape[:2]
    while min(height, width) // 2 >= SMALLEST_SIDE:
        height, width = height // 2, width // 2
        smaller = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        yield smaller.astype(np.uint8, copy=False), qualities[-1]


class KeyframeWriter:
    """Fulfils the risk engine's evidence requests: encodes the frame and saves it in the sink.

    ``key = await writer.save(frame.image, request); engine.attach_evidence(request.event_id,
    key)``, for each request ``engine.observe`` returned for that frame."""

    def __init__(self, sink: EvidenceSink, *, quality: int, max_bytes: int) -> None:
        self._sink = sink
        self._quality = quality
        self._max_bytes = max_bytes

    @classmethod
    def from_settings(cls, sink: EvidenceSink, settings: ProctorSettings) -> "KeyframeWriter":
        return cls(
            sink, quality=settings.evidence_jpeg_quality, max_bytes=settings.evidence_max_bytes
        )

    async def save(self, image: Image, request: EvidenceRequest) -> str:
        # Encoding takes about a millisecond at 640 px: off the event loop all the same.
        jpeg = await asyncio.to_thread(
            encode_keyframe, image, quality=self._quality, max_bytes=self._max_bytes
        )
        return await self._sink.save(jpeg, at=request.at, kind=request.kind)


class DirectoryEvidenceSink:
    """Keyframes as files ``<random key>.jpg`` in a folder, unencrypted: for the operator's CLI
    runs and evals on their own videos; the platform's sink encrypts."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    async def save(self, jpeg: bytes, *, at: float, kind: SignalKind) -> str:
        key = f"{secrets.token_urlsafe(24)}.jpg"
        await asyncio.to_thread(self._write, key, jpeg)
        return key

    def _write(self, key: str, jpeg: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        (self._folder / key).write_bytes(jpeg)
