"""A learner's proctoring records in their GDPR export (evidence as counts, never images or
object keys), and their erasure: every biometric object of theirs leaves the S3 server, nobody
else's does, and a keyframe saved after the erasure goes when the event is delivered again."""

import asyncio
import uuid
from typing import Any

from sqlalchemy import select

from core.infra.bus import Event
from core.infra.outbox_models import OutboxEvent
from platform_api.proctor.enrolment import enrolment_prefix
from platform_api.proctor.models import BiometricAccess, ProctorEvent, ProctoringSession
from platform_api.proctor.runtime import Proctoring
from platform_api.users.service import USER_ERASED
from proctor.signals import SignalKind
from proctor.staging.portraits import astronaut_frame
from proctor.timeline import Severity
from serving.proctoring.evidence import SealedEvidenceSink, evidence_prefix
from tests.assessments.factory import created
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import (
    child_with_parent,
    consent,
    decide,
    encoded,
    proctored_exam,
    ready_to_stream,
    report,
    submitted,
)
from tests.proctoring.recorded import Staged, record_staged

LATE_SAVES = 20

STAGED = [
    Staged(SignalKind.FACE_ABSENT, Severity.HIGH, keyframes=2),
    Staged(SignalKind.TAB_HIDDEN, Severity.LOW, keyframes=0, analyser="client"),
]


async def _export(api: Api, account: Account) -> tuple[dict[str, Any], str]:
    response = await api.client.get("/api/v1/users/me/export", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["proctoring"], response.text


async def test_the_export_holds_the_learners_proctoring_records(s3_api: Api) -> None:
    api = s3_api
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    session_id, sitting_id = ready["session"]["id"], ready["sitting"]["id"]
    await record_staged(api, uuid.UUID(session_id), STAGED)
    await submitted(api, learner, sitting_id, session_id)
    asked = await created(
        api,
        learner,
        "/api/v1/proctor/exemptions",
        {"assignment_id": proctored.id, "reason": "My webcam is broken."},
    )
    decided = await api.client.post(
        f"/api/v1/proctor/exemptions/{asked['id']}/decision",
        headers=proctored.room.teacher.headers,
        json={"approve": False, "note": "Borrow one from school."},
    )
    assert decided.status_code == 200
    viewed = await api.client.get("/api/v1/me/enrolment-photo", headers=learner.headers)
    assert viewed.status_code == 200
    teacher = proctored.room.teacher
    assert (await decide(api, teacher, sitting_id, "violation", 0)).status_code == 201
    appeal_path = f"/api/v1/proctor/sittings/{sitting_id}/appeal"
    await created(api, learner, appeal_path, {"reason": "I looked at my notes: allowed."})
    face_absent = (await report(api, teacher, sitting_id)).json()["entries"][0]
    keyframe = await api.client.get(face_absent["evidence"][0], headers=teacher.headers)
    assert keyframe.status_code == 200

    records, text = await _export(api, learner)

    photo = records["enrolment_photo"]
    assert photo == {
        "content_type": "image/jpeg",
        "created_at": photo["created_at"],
        "face_embedding_stored": True,
        "fetch": "GET /api/v1/me/enrolment-photo",
    }
    [given] = records["consents"]
    assert (given["assignment_id"], given["giver"]) == (proctored.id, "learner")
    [exemption] = records["exemptions"]
    assert (exemption["status"], exemption["decision_note"]) == (
        "refused",
        "Borrow one from school.",
    )
    [exported] = records["sessions"]
    assert (exported["id"], exported["sitting_id"], exported["status"]) == (
        session_id,
        sitting_id,
        "ended",
    )
    assert [(e["kind"], e["severity"], e["evidence_count"]) for e in exported["events"]] == [
        ("face_absent", "high", 2),
        ("tab_hidden", "low", 0),
    ]
    assert exported["availability"] == ["faces: available", "identity: available"]
    [review] = records["reviews"]
    assert review["sitting_id"] == sitting_id
    assert [(d["version"], d["decision"]) for d in review["decisions"]] == [(1, "violation")]
    assert (review["appeal"]["status"], review["appeal"]["appealed_version"]) == ("open", 1)
    views = [
        (v["viewer_id"], v["viewer_role"], v["what"], v["sitting_id"])
        for v in records["biometric_views"]
    ]
    assert views == [
        (str(learner.id), "student", "enrolment_photo", None),
        (str(teacher.id), "teacher", "evidence_keyframe", sitting_id),
    ]
    stored = [
        *await api.stores.objects.list_keys(enrolment_prefix(learner.id)),
        *await api.stores.objects.list_keys(evidence_prefix(uuid.UUID(session_id).hex)),
    ]
    assert len(stored) == 3
    assert not [key for key in stored if key.rsplit("/", 1)[1] in text], "no object key leaks"


async def test_a_parents_export_holds_the_consent_they_gave(s3_api: Api) -> None:
    api = s3_api
    proctored = await proctored_exam(api, learners=0)
    child, parent = await child_with_parent(api, proctored.room)
    assert (await consent(api, parent, proctored.id, learner=child)).status_code == 201

    records, _ = await _export(api, parent)

    [given] = records["consents"]
    assert (given["learner_id"], given["giver"]) == (str(child.id), "parent")
    assert records["sessions"] == [] and records["enrolment_photo"] is None


async def _keys(api: Api, learner: Account, session_id: str) -> list[str]:
    prefixes = (enrolment_prefix(learner.id), evidence_prefix(uuid.UUID(session_id).hex))
    return [key for prefix in prefixes for key in await api.stores.objects.list_keys(prefix)]


async def _rows_of(api: Api, learner: Account) -> list[object]:
    async with api.stores.database.session() as session:
        sessions = list(
            await session.scalars(
                select(ProctoringSession).where(ProctoringSession.learner_id == learner.id)
            )
        )
        events = list(
            await session.scalars(
                select(ProctorEvent).where(
                    ProctorEvent.session_id.in_([record.id for record in sessions])
                )
            )
        )
        views = list(
            await session.scalars(
                select(BiometricAccess).where(BiometricAccess.subject_id == learner.id)
            )
        )
    return [*sessions, *events, *views]


async def _redeliver_erasure(api: Api, learner: Account) -> None:
    async with api.stores.database.session() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.type == USER_ERASED))
        [row] = [row for row in rows if row.payload["user_id"] == str(learner.id)]
    await api.stores.bus.publish(Event(id=row.id, type=row.type, payload=row.payload))


async def test_erasure_removes_every_biometric_object_of_the_learner_and_only_theirs(
    s3_api: Api,
) -> None:
    api = s3_api
    proctored = await proctored_exam(api, learners=2)
    erased, other = proctored.room.learners
    mine = (await ready_to_stream(api, proctored, erased))["session"]["id"]
    theirs = (await ready_to_stream(api, proctored, other))["session"]["id"]
    for session_id in (mine, theirs):
        await record_staged(api, uuid.UUID(session_id), STAGED)
    # Still streaming on a proctor host (one that no longer answers: closing it is logged).
    async with api.stores.database.session() as session:
        record = await session.get(ProctoringSession, uuid.UUID(mine))
        assert record is not None
        record.proctor_host = "replica-gone"
        await session.commit()
    assert len(await _keys(api, erased, mine)) == 3
    kept = await _keys(api, other, theirs)
    await api.client.get("/api/v1/me/enrolment-photo", headers=erased.headers)
    assert await _rows_of(api, erased)

    gone = await api.client.delete("/api/v1/users/me", headers=erased.headers)

    assert gone.status_code == 204
    assert await _keys(api, erased, mine) == []
    assert await _rows_of(api, erased) == []
    assert await _keys(api, other, theirs) == kept, "another learner's evidence stays"

    # A keyframe the host saved after the erasure: the event's consumer deletes it when the
    # event comes (again: delivery is at least once).
    proctoring: Proctoring = api.app.state.proctoring
    late = SealedEvidenceSink(api.stores.objects, proctoring.cipher, uuid.UUID(mine).hex)
    # The event's first deliveries (at least once: a loaded machine saw two) may come after a
    # save and take the frame: save again until one stays.
    for _ in range(LATE_SAVES):
        await late.save(encoded(astronaut_frame(), ".jpg"), at=99.0, kind=SignalKind.FACE_ABSENT)
        await asyncio.sleep(0.2)
        if await _keys(api, erased, mine):
            break
    assert await _keys(api, erased, mine) != []
    await _redeliver_erasure(api, erased)
    for _ in range(100):
        if not await _keys(api, erased, mine):
            break
        await asyncio.sleep(0.05)
    assert await _keys(api, erased, mine) == []
    assert await _keys(api, other, theirs) == kept
