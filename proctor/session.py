"""One proctoring session: frames and client events in, a timeline of events with evidence out.

Per frame: the sampler decides whether to analyse it; if so, faces are found once
(``frame.faces``) and every analyser reads the frame, in the session's own analysis thread (CPU
work never runs on the event loop, and one session's analysis never waits for another's); the
signals go to the risk engine on the event loop, and the keyframes it asks for are saved in the
background. Client events go straight to the engine; a lost stream (connection failed or closed,
or frames missing for longer than the grace period) becomes ``stream_lost``, once the stream
has been live: before the first frame the sitting cannot start, so there is nothing to lose.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from proctor.analysers.base import Analyser
from proctor.analysers.identity import IdentityAnalyser
from proctor.analysers.motion import MotionAnalyser
from proctor.analysers.objects import ObjectAnalyser
from proctor.analysers.pose import PoseAnalyser
from proctor.analysers.presence import PresenceAnalyser
from proctor.analysers.unavailable import UnavailableAnalyser
from proctor.detector_source import DetectorSource
from proctor.evidence import KeyframeWriter
from proctor.faces import Embedding, FaceFinder, FaceModels, face_models
from proctor.ingest_queue import ConnectionState, ConnectionStateChange, IngestItem
from proctor.risk import EvidenceRequest, RiskEngine
from proctor.sampler import FrameSampler
from proctor.session_clock import SessionClock, SourceKind
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, Signal
from proctor.stream_loss import StreamLoss
from proctor.timeline import Timeline

logger = logging.getLogger(__name__)

OBJECTS = "objects"
LOST_STATES = (ConnectionState.FAILED, ConnectionState.CLOSED)
# The silence watch never polls faster than this, whatever the grace period.
MIN_WATCH_INTERVAL = 0.05

SignalListener = Callable[[Sequence[Signal], Frame | None], None]
"""Called on the event loop with each batch of signals as the engine takes them in (one analysed
frame's, with that frame; a client event or a stream loss, with None): where the platform stores
them."""


@dataclass
class SessionStats:
    frames_received: int = 0
    frames_analysed: int = 0
    analysis_cpu_seconds: float = 0.0  # the analysis thread's CPU time (time.thread_time)
    keyframes_saved: int = 0
    keyframes_failed: int = 0


class ProctorSession:
    """Reads live streams (``consume`` a peer's queue, again after a reconnect) or one video
    file's frames, then ``finish``es; ``run`` does both for one source. ``timeline()`` is a live
    snapshot. Live, event times are seconds since the session started listening; from a file,
    the file's media time. Frames handed in are the session's: it sets their ``at`` to session
    time and fills ``faces``."""

    def __init__(
        self,
        settings: ProctorSettings,
        finder: FaceFinder,
        analysers: Sequence[Analyser],
        *,
        keyframes: KeyframeWriter | None = None,
        on_signals: SignalListener | None = None,
    ) -> None:
        self.stats = SessionStats()
        self._finder = finder
        self._analysers = list(analysers)
        self._keyframes = keyframes
        self._on_signals = on_signals
        self._grace_seconds = settings.reconnect_grace_seconds
        self._sampler = FrameSampler.from_settings(settings)
        self._engine = RiskEngine.from_settings(settings)
        self._clock = SessionClock()
        self._stream = StreamLoss(settings.reconnect_grace_seconds)
        # One thread per session: analysers keep state from frame to frame, in frame order.
        self._analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proctor-analysis")
        self._silence_watch: asyncio.Task[None] | None = None
        self._keyframe_tasks: set[asyncio.Task[None]] = set()
        self._latest_image: Image | None = None
        self._consuming = False
        self._finished: Timeline | None = None

    @classmethod
    def create(
        cls,
        settings: ProctorSettings,
        enrolment: Embedding | None,
        *,
        models: FaceModels | None = None,
        detector: DetectorSource | None = None,
        keyframes: KeyframeWriter | None = None,
        on_signals: SignalListener | None = None,
    ) -> "ProctorSession":
        """A session with every analyser: presence, pose, identity against ``enrolment`` (None:
        identity unavailable), motion, and objects through the process's ``detector`` (None, or a
        source without a detector: unavailable)."""
        models = models or face_models()
        analysers: list[Analyser] = [
            PresenceAnalyser(),
            PoseAnalyser(settings),
            IdentityAnalyser(settings, models.embedder, enrolment),
            MotionAnalyser(settings),
            ObjectAnalyser(detector)
            if detector
            else UnavailableAnalyser(OBJECTS, "no detector configured"),
        ]
        return cls(settings, models.finder, analysers, keyframes=keyframes, on_signals=on_signals)

    async def run(self, source: AsyncIterable[IngestItem] | Iterable[Frame]) -> Timeline:
        """Read ``source`` to its end, then finish: the session's timeline."""
        try:
            await self.consume(source)
            return await self.finish()
        finally:
            self._stop_background()

    async def consume(self, source: AsyncIterable[IngestItem] | Iterable[Frame]) -> None:
        """Read one source to its end: a peer's queue (live; ends once the peer closes) or a
        video file's frames. The session goes on: a reconnect is another ``consume``, once the
        previous source has ended."""
        if self._finished is not None:
            raise RuntimeError("the session has finished")
        if self._consuming:
            raise RuntimeError("the session is already reading a source")
        self._consuming = True
        try:
            if isinstance(source, AsyncIterable):
                await self._consume_live(source)
            else:
                await self._consume_file(source)
        finally:
            self._consuming = False

    def timeline(self) -> Timeline:
        """The events so far (open ones without an end), or the final timeline once finished."""
        return self._finished or self._engine.timeline()

    async def finish(self) -> Timeline:
        """End the session now (a file's: at its last frame), once its source has ended (close
        the peer first): what is still open ends here; keyframes being saved are waited for."""
        if self._finished is not None:
            return self._finished
        if self._consuming:
            raise RuntimeError("the session is still reading a source: close it first")
        self._stop_background()
        await asyncio.gather(*self._keyframe_tasks)
        self._finished = self._engine.finish(self._clock.now())
        return self._finished

    async def _consume_live(self, items: AsyncIterable[IngestItem]) -> None:
        self._clock.start_source(SourceKind.LIVE)
        async for item in items:
            if isinstance(item, Frame):
                await self._on_frame(item)
                if self._silence_watch is None:
                    self._silence_watch = asyncio.create_task(self._watch_for_silence())
            elif isinstance(item, Signal):
                self._on_client_signal(item)
            else:
                self._on_connection_state(item)

    async def _consume_file(self, frames: Iterable[Frame]) -> None:
        self._clock.start_source(SourceKind.FILE)
        iterator = iter(frames)
        loop = asyncio.get_running_loop()
        # Decoding is CPU work too: frames are pulled in the analysis thread.
        while frame := await loop.run_in_executor(self._analysis, next, iterator, None):
            await self._on_frame(frame)

    async def _on_frame(self, frame: Frame) -> None:
        frame.at = self._clock.frame_time(frame.at)
        self.stats.frames_received += 1
        self._latest_image = frame.image
        self._observe(self._stream.frame_arrived(frame.at), None)
        if not self._sampler.should_analyse(frame.at, suspicious=self._engine.suspicious_now):
            return
        loop = asyncio.get_running_loop()
        signals = await loop.run_in_executor(self._analysis, self._analyse, frame)
        self._observe(signals, frame)

    def _analyse(self, frame: Frame) -> list[Signal]:
        """In the analysis thread: faces once, then every analyser."""
        started = time.thread_time()
        frame.faces = self._finder.find(frame.image)
        signals = [signal for analyser in self._analysers for signal in analyser.analyse(frame)]
        self.stats.analysis_cpu_seconds += time.thread_time() - started
        self.stats.frames_analysed += 1
        return signals

    def _on_client_signal(self, signal: Signal) -> None:
        at = self._clock.event_time(signal.at)
        self._observe([signal.model_copy(update={"at": at})], None)

    def _on_connection_state(self, change: ConnectionStateChange) -> None:
        if change.state in LOST_STATES and self.stats.frames_received:
            self._observe(self._stream.connection_lost(self._clock.latest_frame_at), None)

    async def _watch_for_silence(self) -> None:
        while True:
            last_frame_at, now = self._clock.latest_frame_at, self._clock.now()
            self._observe(self._stream.silent(last_frame_at, now), None)
            # Wake when the latest frame turns grace-old; once it is, every grace period.
            due_in = self._grace_seconds - (now - last_frame_at)
            wait = due_in if due_in > 0 else self._grace_seconds
            await asyncio.sleep(max(wait, MIN_WATCH_INTERVAL))

    def _observe(self, signals: list[Signal], frame: Frame | None) -> None:
        if not signals:
            return
        requests = self._engine.observe(signals)
        if self._on_signals is not None:
            self._on_signals(signals, frame)
        # A client event's keyframe is the latest frame received: the learner at that moment.
        image = frame.image if frame is not None else self._latest_image
        if self._keyframes is None or image is None:
            return
        for request in requests:
            task = asyncio.create_task(self._save_keyframe(self._keyframes, image, request))
            self._keyframe_tasks.add(task)
            task.add_done_callback(self._keyframe_tasks.discard)

    async def _save_keyframe(
        self, keyframes: KeyframeWriter, image: Image, request: EvidenceRequest
    ) -> None:
        try:
            key = await keyframes.save(image, request)
        except Exception:
            # A lost keyframe must not end the proctoring of the sitting: the event stays,
            # without that picture, and the failure is logged and counted.
            self.stats.keyframes_failed += 1
            logger.exception("A keyframe for event %s could not be saved", request.event_id)
            return
        self._engine.attach_evidence(request.event_id, key)
        self.stats.keyframes_saved += 1

    def _stop_background(self) -> None:
        if self._silence_watch is not None:
            self._silence_watch.cancel()
        self._analysis.shutdown(wait=False)
