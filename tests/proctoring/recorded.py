"""A proctoring session recorded in this test's process, as a proctor replica records a live one:
a real ``ProctorSession`` reads staged webcam frames and browser events on the live clock, its
keyframes are sealed into the API's object store by ``SealedEvidenceSink``, and its timeline is
stored through ``timelines.store_state``, the platform's own path. ``record_staged`` skips the
analysis where a test needs exact events: it stores the events it is given, with their keyframes
sealed by the same sink.

Only the WebRTC leg is left out (tests/proctoring/test_streaming_to_the_proctor.py streams it):
the session is made live as the offer endpoint makes it when the proctor answers.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from core.infra.database import utcnow
from platform_api.proctor.enrolment import opened_embedding
from platform_api.proctor.models import EnrolmentPhoto, ProctoringSession, ProctorSessionStatus
from platform_api.proctor.runtime import Proctoring
from platform_api.proctor.timelines import store_state
from proctor.client_events import client_event_signal, parse_client_event
from proctor.evidence import KeyframeWriter
from proctor.ingest_queue import IngestItem
from proctor.session import ProctorSession
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, SignalKind
from proctor.staging.portraits import astronaut_frame, with_sensor_noise
from proctor.timeline import AnalyserAvailability, Event, Severity, Timeline
from serving.proctoring.contract import SessionState
from serving.proctoring.evidence import SealedEvidenceSink
from serving.proctoring.hosted import identity_verified
from tests.fixtures.app import Api
from tests.proctoring.factory import encoded

FPS = 10


@dataclass(frozen=True)
class BrowserEvent:
    """What the exam page sends on the data channel, at ``at`` seconds of the stream."""

    at: float
    type: str


def staged(scenes: Sequence[tuple[Image, float]]) -> list[Image]:
    """Each picture held for its seconds at ``FPS``, every frame with its own sensor noise."""
    held = [picture for picture, seconds in scenes for _ in range(round(seconds * FPS))]
    return [with_sensor_noise(picture, seed) for seed, picture in enumerate(held)]


async def _stream(
    pictures: Sequence[Image], events: Sequence[BrowserEvent]
) -> AsyncIterator[IngestItem]:
    """The peer's queue: frames at their media times, browser events between them."""
    pending = sorted(events, key=lambda event: event.at)
    for index, picture in enumerate(pictures):
        at = index / FPS
        while pending and pending[0].at <= at:
            event = pending.pop(0)
            message = json.dumps({"type": event.type})
            yield client_event_signal(parse_client_event(message), event.at)
        yield Frame(image=picture, at=at, index=index)
        await asyncio.sleep(0)


async def record_session(
    api: Api, session_id: uuid.UUID, pictures: Sequence[Image], events: Sequence[BrowserEvent]
) -> Timeline:
    """Make the pending session live, analyse the stream, store its final timeline."""
    proctoring: Proctoring = api.app.state.proctoring
    async with api.stores.database.session() as session:
        record = await session.get(ProctoringSession, session_id)
        assert record is not None
        enrolment = await session.get(EnrolmentPhoto, record.learner_id)
        assert enrolment is not None
        embedding = opened_embedding(enrolment, proctoring.cipher)
        record.status, record.live_at, record.offers = ProctorSessionStatus.LIVE, utcnow(), 1
        await session.commit()
    settings = ProctorSettings()
    sink = SealedEvidenceSink(api.stores.objects, proctoring.cipher, session_id.hex)
    analysis = ProctorSession.create(
        settings, embedding, keyframes=KeyframeWriter.from_settings(sink, settings)
    )
    timeline = await analysis.run(_stream(pictures, events))
    await _store(api, session_id, timeline, live=False)
    return timeline


async def _store(api: Api, session_id: uuid.UUID, timeline: Timeline, *, live: bool) -> None:
    """Store the timeline as the platform stores a live session's state (``live``: make the
    session live first, as the offer endpoint does when the proctor answers)."""
    state = SessionState(
        session_id=session_id.hex,
        identity_verified=identity_verified(timeline),
        ended=False,
        timeline=timeline,
    )
    async with api.stores.database.session() as session:
        record = await session.get(ProctoringSession, session_id)
        assert record is not None
        if live:
            record.status, record.live_at, record.offers = ProctorSessionStatus.LIVE, utcnow(), 1
        await store_state(session, record, state, utcnow())
        await session.commit()


@dataclass(frozen=True)
class Staged:
    """An event the proctor is made to report, with how many keyframes it kept."""

    kind: SignalKind
    severity: Severity
    keyframes: int = 1
    analyser: str = "faces"


async def record_staged(api: Api, session_id: uuid.UUID, staged: Sequence[Staged]) -> Timeline:
    """Make the pending session live and store these events (20 s apart, 4 s long), each
    keyframe sealed into the object store; the identity check passed."""
    proctoring: Proctoring = api.app.state.proctoring
    sink = SealedEvidenceSink(api.stores.objects, proctoring.cipher, session_id.hex)
    keyframe = encoded(astronaut_frame(), ".jpg")
    events = []
    for index, event in enumerate(staged):
        start = 5.0 + 20.0 * index
        keys = [
            await sink.save(keyframe, at=start, kind=event.kind) for _ in range(event.keyframes)
        ]
        events.append(
            Event(
                id=f"{event.kind}-{index}",
                kind=event.kind,
                analyser=event.analyser,
                started_at=start,
                ended_at=start + 4.0,
                severity=event.severity,
                signal_count=20,
                evidence_keys=keys,
            )
        )
    readings = AnalyserAvailability(ok=90, suspicious=10)
    timeline = Timeline(events=events, availability={"faces": readings, "identity": readings})
    await _store(api, session_id, timeline, live=True)
    return timeline
