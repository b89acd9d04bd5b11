"""The proctor deployment's replica: it hosts up to ``max_sessions`` proctoring sessions at once.

A session's WebRTC peer is bound to the process that answered its offer, so every call about a
session names its host (this replica's id) and ``SessionAffinityRouter`` brings it here. Each
replica reports its live sessions twice: to the router (to place new sessions on the least
loaded replica) and to the autoscaler (``live_sessions_policy`` sizes the deployment by them).
"""

import asyncio
import logging
import time
from typing import Any

from pydantic import BaseModel, SecretStr

from core.encryption import AesGcmCipher
from core.infra.objects.config import ObjectStoreConfig, open_object_store
from proctor.detector_source import DetectorSource
from proctor.faces import face_models
from proctor.settings import ProctorSettings
from serving.proctoring.contract import OpenSession, SdpMessage, SessionPlacement, SessionState
from serving.proctoring.errors import ProctorHostFull, ProctorSessionNotFound
from serving.proctoring.evidence import SealedEvidenceSink
from serving.proctoring.hosted import HostedSession
from serving.proctoring.routing import SESSIONS_STAT
from serving.proctoring.scaling import LIVE_SESSIONS_METRIC

logger = logging.getLogger(__name__)


class ProctorHostConfig(BaseModel):
    """Everything a replica needs, built once by the application builder from settings."""

    proctor: ProctorSettings
    objects: ObjectStoreConfig
    biometric_key: SecretStr
    biometric_retired_keys: list[SecretStr] = []
    max_sessions: int
    max_session_seconds: float


def this_replica() -> str:
    from ray import serve

    return serve.get_replica_context().replica_id.unique_id


class ProctorHost:
    """The class the proctor deployment runs (``serving.proctoring.deployment`` deploys it)."""

    def __init__(self, config: ProctorHostConfig) -> None:
        self._settings = config.proctor
        self._max_sessions = config.max_sessions
        self._max_session_seconds = config.max_session_seconds
        self._store = open_object_store(config.objects)
        self._cipher = AesGcmCipher.from_texts(
            config.biometric_key.get_secret_value(),
            [key.get_secret_value() for key in config.biometric_retired_keys],
        )
        self._sessions: dict[str, HostedSession] = {}
        self._host = this_replica()
        face_models()  # loaded while the replica starts, not when the first learner waits
        # One detector per replica, shared by its sessions; it follows the registry's champion.
        self._detector = DetectorSource(self._settings).start()

    async def open(self, request: OpenSession) -> SessionPlacement:
        """Host a new session here (a retried open of one already here is answered again)."""
        await self._end_abandoned()
        if request.session_id not in self._sessions:
            if len(self._sessions) >= self._max_sessions:
                raise ProctorHostFull(
                    "Every proctor replica is full; another is starting.",
                    {"retry_after_seconds": 10},
                    {"Retry-After": "10"},
                )
            sink = SealedEvidenceSink(self._store, self._cipher, request.session_id)
            self._sessions[request.session_id] = HostedSession(
                request.session_id, self._settings, request.enrolment, sink, self._detector
            )
            logger.info("proctor session opened", extra={"sessions": len(self._sessions)})
        return SessionPlacement(session_id=request.session_id, host=self._host)

    async def offer(self, session_id: str, offer: SdpMessage, *, host: str) -> SdpMessage:
        return await self._session(session_id, host).answer(offer)

    async def state(self, session_id: str, *, host: str) -> SessionState:
        return self._session(session_id, host).state()

    async def close(self, session_id: str, *, host: str) -> SessionState:
        session = self._session(session_id, host)
        try:
            return await session.close()
        finally:
            self._sessions.pop(session_id, None)

    def record_routing_stats(self) -> dict[str, Any]:
        return {SESSIONS_STAT: len(self._sessions)}

    def record_autoscaling_stats(self) -> dict[str, float]:
        return {LIVE_SESSIONS_METRIC: float(len(self._sessions))}

    async def __del__(self) -> None:
        # A replica stopping ends its sessions cleanly (their peers close, nothing listens on).
        await asyncio.gather(
            *(session.close() for session in self._sessions.values()), return_exceptions=True
        )
        await self._store.close()

    async def _end_abandoned(self) -> None:
        """End the sessions older than any exam: the platform ends each with its sitting, but a
        close that never came (the platform down at that moment) must not hold a place here."""
        now = time.monotonic()
        abandoned = [
            session_id
            for session_id, session in self._sessions.items()
            if now - session.opened_at > self._max_session_seconds
        ]
        for session_id in abandoned:
            session = self._sessions.pop(session_id)
            logger.warning("abandoned proctor session ended", extra={"session_id": session_id})
            await session.close()

    def _session(self, session_id: str, host: str) -> HostedSession:
        session = self._sessions.get(session_id)
        if session is None or host != self._host:
            raise ProctorSessionNotFound(
                "No such proctoring session on this proctor host; it was closed, or lost with "
                "its replica.",
                {"session_id": session_id},
            )
        return session
