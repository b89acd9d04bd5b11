"""One proctoring session on a proctor replica: its current WebRTC peer (a reconnection brings a
new one), the feed that carries every peer's frames to the analysis, and the analysis itself."""

import asyncio
import logging

import numpy as np

from proctor.analysers.identity import IdentityAnalyser
from proctor.evidence import EvidenceSink
from proctor.feed import SessionFeed
from proctor.ingest import ProctorPeer
from proctor.session import ProctorSession
from proctor.settings import ProctorSettings
from proctor.timeline import Timeline
from serving.proctoring.contract import SdpMessage, SessionState
from serving.proctoring.errors import ProctorSessionEnded

logger = logging.getLogger(__name__)


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
    ) -> None:
        self.session_id = session_id
        self._settings = settings
        self._feed = SessionFeed()
        self._peer: ProctorPeer | None = None
        self._closing = False
        embedding = None if enrolment is None else np.asarray(enrolment, np.float64)
        # Integration point with proctor.session (written beside this): the analysis reads the
        # feed until it ends and returns the final timeline; ``timeline()`` is its snapshot.
        self._analysis = ProctorSession(settings, enrolment=embedding, evidence=evidence)
        self._running = asyncio.create_task(self._analysis.run(self._feed))

    async def answer(self, offer: SdpMessage) -> SdpMessage:
        """Answer an offer with a new peer; the one it replaces is closed. A bad offer raises
        ``InvalidOffer`` and leaves the session as it was."""
        if self._closing:
            raise ProctorSessionEnded("The session has ended.")
        peer = ProctorPeer(self._settings)
        answer = await peer.answer(offer.sdp, offer.type)
        previous, self._peer = self._peer, peer
        self._feed.attach(peer.received)
        if previous is not None:
            await previous.close()
        return SdpMessage(sdp=answer.sdp, type="answer")

    def state(self) -> SessionState:
        return self._state(self._analysis.timeline(), ended=False)

    async def close(self) -> SessionState:
        """End the session: close the peer, let the analysis finish what it holds, and return
        the final timeline."""
        self._closing = True
        self._feed.end()
        if self._peer is not None:
            await self._peer.close()
        timeline = await self._running
        return self._state(timeline, ended=True)

    def _state(self, timeline: Timeline, *, ended: bool) -> SessionState:
        return SessionState(
            session_id=self.session_id,
            connection=None if self._peer is None else self._peer.connection_state,
            identity_verified=identity_verified(timeline),
            ended=ended,
            timeline=timeline,
        )
