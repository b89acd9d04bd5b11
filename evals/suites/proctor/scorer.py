"""Scores the proctor on the staged clips: each clip is rendered to a video file and read by a
``ProctorSession`` made as the Serve deployment makes one (``ProctorSession.create`` with the
face models, the enrolment and the process's ``DetectorSource``, from ``WC_PROCTOR_*``
settings), in this process and without the WebRTC transport; its timeline is then compared with
the clip's staged events.

Per clip: ``event_recall``, the staged events raised (same kind, start and end within
``TOLERANCE_SECONDS``); ``false_alarm``, 1 when the proctor raised an event nobody staged (any
event on a clean clip); ``object_check``, the share of analysed frames the object detector
judged. Staged events of a kind the detector cannot judge (no weights configured, or a model
without the class) are listed as unscored, never counted as found: without a detector the
object check is 0, which fails its threshold.
"""

import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evals.suite import Example, SuiteContext
from evals.suites.proctor.dataset import Person, StagedClip, StagedEvent, enrolment_photo, render
from proctor.signals import SignalKind
from proctor.timeline import Event, Timeline

if TYPE_CHECKING:  # dlib, OpenCV and PyAV load when the suite runs, not when it is listed
    from proctor.detector_source import DetectorSource, DetectorState
    from proctor.faces import Embedding, FaceModels
    from proctor.settings import ProctorSettings

# The sampler analyses 5 frames a second while calm, so a change is seen up to 0.2 s late (events
# came within 0.1 s of their staging here). A second leaves room for that and for a borderline
# frame read differently elsewhere, and is shorter than the gaps between the staged events.
TOLERANCE_SECONDS = 1.0
# The kinds only the object detector reports (``proctor.analysers.objects``).
OBJECT_KINDS = frozenset({SignalKind.OBJECT_PHONE, SignalKind.OBJECT_BOOK, SignalKind.EXTRA_PERSON})
OBJECTS = "objects"  # the object analyser's name in a timeline


@dataclass(frozen=True)
class Agreement:
    """How one clip's timeline compares with what it stages."""

    found: list[tuple[StagedEvent, Event]]
    missed: list[StagedEvent]
    unscored: list[StagedEvent]
    unstaged: list[Event]

    @property
    def recall(self) -> float | None:
        """Share of the scorable staged events found; None when nothing could be scored."""
        scorable = len(self.found) + len(self.missed)
        return len(self.found) / scorable if scorable else None


def _ended_at(event: Event, finished_at: float) -> float:
    """An event still open when the session finished ends there."""
    return event.ended_at if event.ended_at is not None else finished_at


def distance(staged: StagedEvent, event: Event, finished_at: float) -> float | None:
    """How far apart (start and end, seconds) an event of the staged kind is; None for another
    kind."""
    if event.kind is not staged.kind:
        return None
    ended_at = _ended_at(event, finished_at)
    return max(abs(event.started_at - staged.started_at), abs(ended_at - staged.ended_at))


def agreement(
    staged: Sequence[StagedEvent],
    timeline: Timeline,
    judged_kinds: frozenset[SignalKind],
    tolerance: float = TOLERANCE_SECONDS,
) -> Agreement:
    """Pair staged events of the kinds the proctor could judge with the events it raised, of the
    same kind with start and end within ``tolerance``, closest pairs first, each event answering
    one staged event; the events left over are false alarms."""
    finished_at = timeline.finished_at or 0.0
    events = timeline.events
    scored = [expected for expected in staged if expected.kind in judged_kinds]
    pairs = []
    for i, expected in enumerate(scored):
        for j, event in enumerate(events):
            apart = distance(expected, event, finished_at)
            if apart is not None and apart <= tolerance:
                pairs.append((apart, i, j))
    answered: dict[int, int] = {}  # staged index -> event index
    for _, i, j in sorted(pairs):
        if i not in answered and j not in answered.values():
            answered[i] = j
    return Agreement(
        found=[(scored[i], events[j]) for i, j in sorted(answered.items())],
        missed=[expected for i, expected in enumerate(scored) if i not in answered],
        unscored=[expected for expected in staged if expected.kind not in judged_kinds],
        unstaged=[event for j, event in enumerate(events) if j not in answered.values()],
    )


def judged_kinds(state: "DetectorState") -> frozenset[SignalKind]:
    """Every kind but the object kinds, and those the configured detector has a class for."""
    from proctor.analysers.objects import watched_kinds

    objects = watched_kinds(state.detector.labels) if state.detector is not None else ()
    return frozenset(kind for kind in SignalKind if kind not in OBJECT_KINDS) | set(objects)


def object_check(timeline: Timeline) -> float:
    """Share of analysed frames the object detector judged (0 when none was analysed)."""
    readings = timeline.availability.get(OBJECTS)
    return 0.0 if readings is None else 1.0 - readings.unavailable_share


def _span(event: Event, finished_at: float) -> str:
    return f"{event.kind.value} {event.started_at:.1f}–{_ended_at(event, finished_at):.1f} s"


def clip_example(
    clip: StagedClip, timeline: Timeline, state: "DetectorState", seconds: float
) -> Example:
    """The clip's scores and what the per-example table shows of it."""
    result = agreement(clip.events, timeline, judged_kinds(state))
    finished_at = timeline.finished_at or 0.0
    scores = {"false_alarm": float(bool(result.unstaged)), "object_check": object_check(timeline)}
    if result.recall is not None:
        scores["event_recall"] = result.recall
    objects = timeline.availability.get(OBJECTS)
    why = state.reason if state.detector is None else state.origin
    record: dict[str, object] = {
        "enrolled": clip.enrolled.value,
        "clean": clip.clean,
        "staged": [str(event) for event in clip.events],
        "found": [_span(event, finished_at) for _, event in result.found],
        "missed": [str(event) for event in result.missed],
        "unscored": [f"{event}: the object check cannot judge it" for event in result.unscored],
        "false_alarms": [_span(event, finished_at) for event in result.unstaged],
        "objects": f"{objects.describe(OBJECTS) if objects else 'objects: no frame'} ({why})",
        "analysis_seconds": round(seconds, 2),
    }
    return Example(clip.name, scores, record)


async def score(context: SuiteContext, clips: Sequence[StagedClip]) -> list[Example]:
    """Render, analyse and score each clip in turn."""
    from proctor.detector_source import DetectorSource
    from proctor.faces import face_models
    from proctor.settings import ProctorSettings

    settings = ProctorSettings()
    models = await asyncio.to_thread(face_models)
    detector = await asyncio.to_thread(DetectorSource(settings).start)
    enrolments: dict[Person, Embedding] = {}
    examples = []
    try:
        with tempfile.TemporaryDirectory(prefix="wc-eval-proctor-") as scratch:
            for done, clip in enumerate(clips, start=1):
                if clip.enrolled not in enrolments:
                    enrolments[clip.enrolled] = await asyncio.to_thread(
                        _enrol, clip.enrolled, models
                    )
                path = await asyncio.to_thread(render, clip, Path(scratch))
                started = time.perf_counter()
                timeline = await _analyse(
                    path, settings, enrolments[clip.enrolled], models, detector
                )
                seconds = time.perf_counter() - started
                examples.append(clip_example(clip, timeline, detector.state, seconds))
                context.progress(done, len(clips))
    finally:
        detector.stop()
    return examples


def _enrol(person: Person, models: "FaceModels") -> "Embedding":
    from proctor.analysers.identity import enrolment_embedding

    return enrolment_embedding(enrolment_photo(person), models.finder, models.embedder)


async def _analyse(
    path: Path,
    settings: "ProctorSettings",
    enrolment: "Embedding",
    models: "FaceModels",
    detector: "DetectorSource",
) -> Timeline:
    from proctor.session import ProctorSession
    from proctor.video import VideoFile

    session = ProctorSession.create(settings, enrolment, models=models, detector=detector)
    with VideoFile(path, settings.analysis_width) as recording:
        return await session.run(recording.frames())
