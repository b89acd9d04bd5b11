"""What the proctoring domain needs in one API process: the proctor client, the cipher of
biometric data, and dlib's face models for enrolment photos (loaded on first use)."""

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from core.encryption import AesGcmCipher, load_or_create_key
from platform_api.wiring import Stores
from proctor.analysers.identity import enrolment_embedding
from proctor.faces import Embedding, face_models
from proctor.signals import Image
from serving.proctoring.client import ProctorClient


class EnrolmentFaces:
    """The one-face check and the embedding of enrolment photos, off the event loop (~0.1 s a
    photo); the process's face models load on the first photo, not at start-up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one photo at a time: enrolment is rare, memory is not

    async def embedding(self, photo: Image) -> Embedding:
        return await asyncio.to_thread(self._embedding, photo)

    def _embedding(self, photo: Image) -> Embedding:
        with self._lock:
            models = face_models()
            return enrolment_embedding(photo, models.finder, models.embedder)


@dataclass
class Proctoring:
    client: ProctorClient
    cipher: AesGcmCipher
    faces: EnrolmentFaces = field(default_factory=EnrolmentFaces)

    async def close(self) -> None:
        await self.client.aclose()


def open_proctoring(stores: Stores) -> Proctoring:
    settings = stores.settings
    key = load_or_create_key(settings.biometric_key, settings.resolved_data_dir)
    return Proctoring(
        client=ProctorClient(settings.proctor_url, settings.proctor_timeout_seconds),
        cipher=AesGcmCipher.from_texts(key, settings.biometric_retired_keys),
    )


def get_proctoring(request: Request) -> Proctoring:
    proctoring: Proctoring = request.app.state.proctoring
    return proctoring


ProctoringDep = Annotated[Proctoring, Depends(get_proctoring)]
