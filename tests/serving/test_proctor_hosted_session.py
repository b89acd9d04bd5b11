"""A proctoring session as a proctor replica hosts it, without Ray: a real aiortc webcam on
loopback, the real analysis, evidence sealed into a real (filesystem) object store; a
reconnection continues the session; a refused offer leaves it as it was."""

from collections.abc import Callable
from pathlib import Path

import pytest

from core.encryption import AesGcmCipher, new_key_text
from core.infra.objects.filesystem import FilesystemObjectStore
from proctor.analysers.identity import enrolment_embedding
from proctor.detector_source import DetectorSource
from proctor.faces import face_models
from proctor.ingest import InvalidOffer
from proctor.settings import ProctorSettings
from proctor.signals import Image
from proctor.staging.portraits import (
    astronaut_frame,
    astronaut_photo,
    blank_frame,
    with_sensor_noise,
)
from serving.proctoring.contract import SdpMessage, SessionState
from serving.proctoring.evidence import SealedEvidenceSink, evidence_prefix, open_keyframe
from serving.proctoring.hosted import HostedSession
from tests.fixtures.waiting import eventually
from tests.proctor.webrtc_client import WebcamClient

FPS = 10
STREAM_FRAMES = 5 * FPS  # the longest stream below is 4.5 s
SESSION_ID = "0123456789abcdef0123456789abcdef"


def _astronaut(seconds: float, seed: int) -> list[Image]:
    return [with_sensor_noise(astronaut_frame(), seed + i) for i in range(round(seconds * FPS))]


async def _stream(hosted: HostedSession, pictures: list[Image]) -> WebcamClient:
    client = WebcamClient(pictures, FPS)
    offer = await client.offer()
    answer = await hosted.answer(SdpMessage(sdp=offer.sdp, type="offer"))
    await client.accept(answer.sdp, answer.type)
    return client


async def _until(
    hosted: HostedSession, seen: Callable[[SessionState], bool], timeout: float = 30.0
) -> None:
    """Waits until the live state shows what the test streamed: the sender's last picture
    leaving says nothing about when the proctor has received and analysed it."""
    await eventually(lambda: seen(hosted.state()), timeout, hosted.state)


def _absence_ended(state: SessionState) -> bool:
    return any(
        event.kind == "face_absent" and event.ended_at is not None
        for event in state.timeline.events
    )


@pytest.fixture
def enrolment() -> list[float]:
    models = face_models()
    return [
        float(x) for x in enrolment_embedding(astronaut_photo(), models.finder, models.embedder)
    ]


async def test_a_hosted_session_streams_reconnects_and_seals_its_evidence(
    tmp_path: Path, enrolment: list[float]
) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    cipher = AesGcmCipher.from_texts(new_key_text())
    sink = SealedEvidenceSink(store, cipher, SESSION_ID)
    # Room for every frame of a stream: on a loaded machine the analysis may fall seconds
    # behind, and the default (8 frames, thinned) would then time the absence from fewer
    # frames than this test's bounds assume. Thinning is tests/proctor/test_ingest.py's subject.
    settings = ProctorSettings(ingest_max_pending_frames=STREAM_FRAMES)
    detector = DetectorSource(settings).start()  # none configured: objects are unavailable
    hosted = HostedSession(SESSION_ID, settings, enrolment, sink, detector)

    first = await _stream(hosted, _astronaut(3, seed=0))
    await _until(hosted, lambda state: state.identity_verified)
    assert hosted.state().connection is not None
    with pytest.raises(InvalidOffer):
        await hosted.answer(SdpMessage(sdp="v=0\r\nnot sdp", type="offer"))
    assert hosted.state().identity_verified, "a refused offer changes nothing"
    await first.track.until_finished()
    await first.close()

    second = await _stream(hosted, [blank_frame()] * (3 * FPS) + _astronaut(1.5, seed=50))
    await second.track.until_finished()
    await _until(hosted, _absence_ended)
    final = await hosted.close()
    await second.close()

    assert final.ended and final.identity_verified
    [absent] = [event for event in final.timeline.events if event.kind == "face_absent"]
    assert absent.ended_at is not None and 2.0 <= absent.ended_at - absent.started_at <= 4.0
    assert absent.evidence_keys
    assert sorted(absent.evidence_keys) <= await store.list_keys(evidence_prefix(SESSION_ID))
    for key in absent.evidence_keys:
        stored = await store.get(key)
        assert stored is not None and not stored.data.startswith(b"\xff\xd8\xff")
        assert open_keyframe(cipher, key, stored.data).startswith(b"\xff\xd8\xff")
