"""One proctoring session on a proctor replica: the analysis (``proctor.session``) and its current
WebRTC peer. A reconnection brings a new peer: the old one is closed, the analysis finishes
reading it (its loss becomes ``stream_lost``), then reads the new one on the same session clock.
"""

import asyncio
import time

import numpy as np

from proctor.analysers.identity import IdentityAnalyser
from proctor.detector_source import DetectorSource
from proctor.evidence import EvidenceSink, KeyframeWriter
from proctor.ingest import ProctorPeer
from proctor.session import ProctorSession
from proctor.settings import ProctorSettings
from proctor.timeline import Timeline
from serving.proctoring.contract import SdpMessage, SessionState
from serving.proctoring.errors import ProctorSessionEnded


def identity_verified(timeline: Timeline) -> bool:
    """Whether the identity check has found the enrolled learner at least once."""
    readings = timeline.availability.get(IdentityAnalyser.name)
    return readings is not None and readings.ok > 0


class HostedSession:
    """Created when the platform opens the session; ``answer`` each offer (the first, and each
    reconnection's), ``state`` for a snapshot, ``close`` once when the sitting ends."""

    def __init__(
        self,
        session_id: str,
        settings: ProctorSettings,
        enrolment: list[float] | None,
        evidence: EvidenceSink,
        detector: DetectorSource,
    ) -> None:
        self.session_id = session_id
        self.opened_at = time.monotonic()
        self._settings = settings
        self._analysis = ProctorSession.create(
            settings,
            None if enrolment is None else np.asarray(enrolment, np.float64),
            detector=detector,
            keyframes=KeyframeWriter.from_settings(evidence, settings),
        )
        self._peer: ProctorPeer | None = None
        self._reading: asyncio.Task[None] | None = None
        self._negotiating = asyncio.Lock()  # one offer at a time: peers replace each other
        self._closing = False

    async def answer(self, offer: SdpMessage) -> SdpMessage:
        """Answer an offer with a new peer that replaces the current one. A bad offer raises
        ``InvalidOffer`` and leaves the session as it was."""
        async with self._negotiating:
            if self._closing:
                raise ProctorSessionEnded("The session has ended.")
            peer = ProctorPeer(self._settings)
            answer = await peer.answer(offer.sdp, offer.type)
            await self._stop_reading()
            self._peer = peer
            self._reading = asyncio.create_task(self._analysis.consume(peer.received))
            return SdpMessage(sdp=answer.sdp, type="answer")

    def state(self) -> SessionState:
        return self._state(self._analysis.timeline(), ended=False)

    async def close(self) -> SessionState:
        """End the session: close the peer, let the analysis read what it already received,
        and return the final timeline."""
        async with self._negotiating:
            self._closing = True
            await self._stop_reading()
            return self._state(await self._analysis.finish(), ended=True)

    async def _stop_reading(self) -> None:
        """Close the current peer and wait until the analysis has read its queue to the end."""
        if self._peer is not None:
            await self._peer.close()
        if self._reading is not None:
            await self._reading

    def _state(self, timeline: Timeline, *, ended: bool) -> SessionState:
        return SessionState(
            session_id=self.session_id,
            connection=None if self._peer is None else self._peer.connection_state,
            identity_verified=identity_verified(timeline),
            ended=ended,
            timeline=timeline,
        )
