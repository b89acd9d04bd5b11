"""A learner's webcam through the real offer endpoint to the proctor deployment of the real Serve
application: answer, frames flowing, identity matched, answers unlocked, a reconnection, the
session ended with the sitting and its events stored, evidence sealed in the object store; and
offers the proctor refuses, with nothing half-created."""

import uuid

from sqlalchemy import select

from core.encryption import AesGcmCipher
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from proctor.signals import Image
from proctor.staging.portraits import astronaut_frame, blank_frame, with_sensor_noise
from serving.proctoring.evidence import evidence_prefix, open_keyframe
from tests.fixtures.app import Api
from tests.proctor.webrtc_client import WebcamClient
from tests.proctoring.factory import (
    answer,
    offer_webcam,
    proctored_exam,
    ready_to_stream,
    session_when,
)

FPS = 10
IDENTITY_TIMEOUT_SECONDS = 30.0
END_TIMEOUT_SECONDS = 30.0


def _astronaut(seconds: float, seed: int) -> list[Image]:
    return [with_sensor_noise(astronaut_frame(), seed + i) for i in range(round(seconds * FPS))]


async def test_a_webcam_streams_to_the_proctor_and_the_timeline_is_stored(
    served_api: Api, biometric_key: str
) -> None:
    api = served_api
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    session_id, sitting_id = ready["session"]["id"], ready["sitting"]["id"]

    facing = _astronaut(4, seed=0)
    first = WebcamClient(facing, FPS)
    answered = await offer_webcam(api, learner, session_id, first)
    assert answered.status_code == 200, answered.text
    assert answered.json()["type"] == "answer"
    await first.accept(answered.json()["sdp"], "answer")
    live = await session_when(
        api, learner, session_id, lambda s: s["identity_verified"], IDENTITY_TIMEOUT_SECONDS
    )
    assert live["status"] == "live" and live["connection"] == "connected"
    saved = await answer(api, learner, sitting_id, proctored.first_item)
    assert saved.status_code == 200, "live and identity matched: answers are taken"
    await first.track.wait_sent(len(facing))
    await first.close()

    # The browser reconnects with a new offer; then the learner leaves the camera for 3 s.
    away = [blank_frame()] * (3 * FPS) + _astronaut(1.5, seed=100)
    second = WebcamClient(away, FPS)
    again = await offer_webcam(api, learner, session_id, second)
    assert again.status_code == 200, again.text
    await second.accept(again.json()["sdp"], "answer")
    await second.track.until_finished()
    await second.close()

    submitted = await api.client.post(
        f"/api/v1/sittings/{sitting_id}/submit", headers=learner.headers
    )
    assert submitted.status_code == 200
    ended = await session_when(
        api, learner, session_id, lambda s: s["status"] == "ended", END_TIMEOUT_SECONDS
    )
    absent = [event for event in ended["events"] if event["kind"] == "face_absent"]
    assert len(absent) == 1, ended["events"]
    span = absent[0]["ended_at_seconds"] - absent[0]["started_at_seconds"]
    assert 2.0 <= span <= 4.0, absent[0]
    assert not [event for event in ended["events"] if event["kind"] == "identity_mismatch"]
    assert any(note.startswith("objects: unavailable") for note in ended["availability"])
    await _assert_evidence_sealed(
        api, uuid.UUID(session_id), AesGcmCipher.from_texts(biometric_key)
    )


async def _assert_evidence_sealed(api: Api, session_id: uuid.UUID, cipher: AesGcmCipher) -> None:
    async with api.stores.database.session() as session:
        events = list(
            await session.scalars(select(ProctorEvent).where(ProctorEvent.session_id == session_id))
        )
    keys = [key for event in events for key in event.evidence_keys]
    assert keys, "the face_absent event kept a keyframe"
    assert sorted(keys) == await api.stores.objects.list_keys(evidence_prefix(session_id.hex))
    for key in keys:
        stored = await api.stores.objects.get(key)
        assert stored is not None and not stored.data.startswith(b"\xff\xd8\xff")
        assert open_keyframe(cipher, key, stored.data).startswith(b"\xff\xd8\xff")


async def test_offers_the_proctor_refuses_leave_nothing_half_created(served_api: Api) -> None:
    api = served_api
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    session_id = ready["session"]["id"]
    path = f"/api/v1/proctor/sessions/{session_id}/offer"

    malformed = await api.client.post(
        path, headers=learner.headers, json={"sdp": "v=0\r\nthis is not SDP", "type": "offer"}
    )
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "invalid_offer")
    no_webcam = WebcamClient([], FPS, with_video=False)
    refused = await offer_webcam(api, learner, session_id, no_webcam)
    await no_webcam.close()
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_offer")
    async with api.stores.database.session() as session:
        record = await session.get(ProctoringSession, uuid.UUID(session_id))
    assert record is not None
    assert (record.status.value, record.proctor_host, record.offers) == ("pending", None, 0)
    still_closed = await answer(api, learner, ready["sitting"]["id"], proctored.first_item)
    assert still_closed.json()["error"]["code"] == "proctoring_required"

    client = WebcamClient(_astronaut(1, seed=7), FPS)
    accepted = await offer_webcam(api, learner, session_id, client)
    await client.close()
    assert accepted.status_code == 200, "a good offer after bad ones still goes through"
    await api.client.post(
        f"/api/v1/sittings/{ready['sitting']['id']}/submit", headers=learner.headers
    )
    await session_when(
        api, learner, session_id, lambda s: s["status"] == "ended", END_TIMEOUT_SECONDS
    )
