"""Consent, session creation, the answer gate and the exemption path, through the real API and
PostgreSQL (no proctor is contacted before an offer)."""

import asyncio
import uuid

from sqlalchemy import func, select

from platform_api.auth.models import Role
from platform_api.proctor.models import ProctoringSession
from proctor.staging.portraits import astronaut_photo
from tests.assessments.factory import created, start
from tests.fixtures.app import Api
from tests.proctoring.factory import (
    answer,
    child_with_parent,
    consent,
    encoded,
    person,
    proctored_exam,
    ready_to_stream,
    upload_photo,
)


async def _sessions(api: Api) -> int:
    async with api.stores.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ProctoringSession)) or 0)


async def test_consent_is_the_learners_own_or_a_linked_parents_under_13(api: Api) -> None:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    given = await consent(api, learner, proctored.id)
    assert given.status_code == 201 and given.json()["giver"] == "learner"
    again = await consent(api, learner, proctored.id)
    assert again.json()["id"] == given.json()["id"], "consenting twice records one consent"

    child, parent = await child_with_parent(api, proctored.room)
    refused = await consent(api, child, proctored.id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        403,
        "parent_consent_required",
    )
    stranger = await person(api, Role.PARENT)
    assert (await consent(api, stranger, proctored.id, learner=child)).status_code == 404
    by_parent = await consent(api, parent, proctored.id, learner=child)
    assert by_parent.status_code == 201 and by_parent.json()["giver"] == "parent"
    assert by_parent.json()["learner_id"] == str(child.id)
    assert (await consent(api, proctored.room.teacher, proctored.id)).status_code == 403


async def test_a_session_needs_consent_and_an_enrolment_photo_and_runs_once(api: Api) -> None:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    sitting = await start(api, learner, proctored.id)
    path, body = "/api/v1/proctor/sessions", {"sitting_id": sitting["id"]}

    no_consent = await api.client.post(path, headers=learner.headers, json=body)
    assert no_consent.json()["error"]["code"] == "consent_required"
    assert (await consent(api, learner, proctored.id)).status_code == 201
    no_photo = await api.client.post(path, headers=learner.headers, json=body)
    assert no_photo.json()["error"]["code"] == "enrolment_required"
    assert no_photo.status_code == 409 and await _sessions(api) == 0

    assert (await upload_photo(api, learner, encoded(astronaut_photo()))).status_code == 200
    first = await created(api, learner, path, body)
    assert first["status"] == "pending" and first["identity_verified"] is False
    second = await api.client.post(path, headers=learner.headers, json=body)
    assert (second.status_code, second.json()["error"]["code"]) == (409, "proctor_session_exists")
    assert await _sessions(api) == 1


async def test_sessions_and_offers_are_bound_to_the_sittings_learner(api: Api) -> None:
    proctored = await proctored_exam(api, learners=2)
    owner, other = proctored.room.learners
    ready = await ready_to_stream(api, proctored, owner)

    foreign = await api.client.post(
        "/api/v1/proctor/sessions",
        headers=other.headers,
        json={"sitting_id": ready["sitting"]["id"]},
    )
    assert foreign.status_code == 404
    offer = await api.client.post(
        f"/api/v1/proctor/sessions/{ready['session']['id']}/offer",
        headers=other.headers,
        json={"sdp": "v=0\r\n", "type": "offer"},
    )
    assert offer.status_code == 404, "another learner's session does not exist for them"
    unknown = await api.client.get(
        f"/api/v1/proctor/sessions/{uuid.uuid4()}", headers=owner.headers
    )
    assert unknown.status_code == 404
    teacher_view = await api.client.get(
        f"/api/v1/proctor/sessions/{ready['session']['id']}", headers=proctored.room.teacher.headers
    )
    assert teacher_view.status_code == 200 and teacher_view.json()["status"] == "pending"


async def test_a_proctored_sitting_takes_no_answers_before_its_stream_is_live(api: Api) -> None:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    sitting = await start(api, learner, proctored.id)
    before = await answer(api, learner, sitting["id"], proctored.first_item)
    assert (before.status_code, before.json()["error"]["code"]) == (409, "proctoring_required")

    assert (await consent(api, learner, proctored.id)).status_code == 201
    assert (await upload_photo(api, learner, encoded(astronaut_photo()))).status_code == 200
    await created(api, learner, "/api/v1/proctor/sessions", {"sitting_id": sitting["id"]})
    pending = await answer(api, learner, sitting["id"], proctored.first_item)
    assert pending.json()["error"]["code"] == "proctoring_required"


async def test_without_a_webcam_the_teacher_approves_an_unproctored_sitting(api: Api) -> None:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    teacher = proctored.room.teacher
    asked = await created(
        api,
        learner,
        "/api/v1/proctor/exemptions",
        {"assignment_id": proctored.id, "reason": "I have no webcam at home."},
    )
    assert asked["status"] == "requested"
    listed = await api.client.get(
        "/api/v1/proctor/exemptions",
        headers=teacher.headers,
        params={"assignment_id": proctored.id},
    )
    assert [item["id"] for item in listed.json()] == [asked["id"]]
    decision_path = f"/api/v1/proctor/exemptions/{asked['id']}/decision"
    another_teacher = await person(api, Role.TEACHER)
    not_theirs = await api.client.post(
        decision_path, headers=another_teacher.headers, json={"approve": True}
    )
    assert not_theirs.status_code == 403

    sitting = await start(api, learner, proctored.id)
    assert (await answer(api, learner, sitting["id"], proctored.first_item)).status_code == 409
    approved = await api.client.post(
        decision_path, headers=teacher.headers, json={"approve": True, "note": "Seen in class."}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    saved = await answer(api, learner, sitting["id"], proctored.first_item)
    assert saved.status_code == 200, saved.text

    shown = await api.client.get(
        f"/api/v1/proctor/sittings/{sitting['id']}", headers=teacher.headers
    )
    assert shown.json()["mode"] == "exempt", "the sitting is flagged as run unproctored"
    assert shown.json()["exemption"]["id"] == asked["id"]


async def test_a_session_ends_with_its_sitting(api: Api) -> None:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    submitted = await api.client.post(
        f"/api/v1/sittings/{ready['sitting']['id']}/submit", headers=learner.headers
    )
    assert submitted.status_code == 200
    path = f"/api/v1/proctor/sessions/{ready['session']['id']}"
    for _ in range(100):  # the sitting's end travels through the outbox and the bus
        shown = (await api.client.get(path, headers=learner.headers)).json()
        if shown["status"] == "ended":
            break
        await asyncio.sleep(0.05)
    assert shown["status"] == "ended" and shown["ended_at"] is not None
