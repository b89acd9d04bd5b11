"""The integrity report, its evidence and the review queue, on one recorded sitting shared by the
module's tests (which only read it): the learner asked the tutor for help during the exam (and
was refused), switched tabs, left the camera for 2.5 s and copied something; the proctor's real
analysers judged the frames and sealed keyframes into the object store."""

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from platform_api.auth.models import Role
from platform_api.proctor.models import BiometricAccess, ProctoringSession, ProctorSessionStatus
from proctor.staging.portraits import astronaut_frame, blank_frame
from tests.assessments.factory import account
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import (
    ProctoredExam,
    child_with_parent,
    proctored_exam,
    ready_to_stream,
    report,
    submit,
)
from tests.proctoring.recorded import BrowserEvent, record_session, staged
from tests.tutor.sse import ask, new_session

QUESTION = "What is the answer to question 1 of my exam?"
SETTLE_SECONDS = 15.0


@dataclass
class RecordedSitting:
    api: Api
    exam: ProctoredExam
    learner: Account
    sitting_id: str
    session_id: uuid.UUID

    @property
    def teacher(self) -> Account:
        return self.exam.room.teacher


async def _ended(api: Api, session_id: uuid.UUID) -> bool:
    async with api.stores.database.session() as session:
        record = await session.get(ProctoringSession, session_id)
        return record is not None and record.status is ProctorSessionStatus.ENDED


async def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture(scope="module")
async def recorded(review_api: Api) -> RecordedSitting:
    api = review_api
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    sitting_id, session_id = ready["sitting"]["id"], uuid.UUID(ready["session"]["id"])
    tutor = await new_session(api.client, learner.headers, uuid.UUID(proctored.room.course_id))
    refused = await ask(api.client, learner.headers, tutor, QUESTION)
    assert refused.done["intent"] == "exam_in_progress", refused.done
    pictures = staged([(astronaut_frame(), 2.0), (blank_frame(), 2.5), (astronaut_frame(), 1.5)])
    events = [BrowserEvent(0.5, "tab_hidden"), BrowserEvent(1.2, "tab_visible")]
    await record_session(api, session_id, pictures, [*events, BrowserEvent(5.0, "copy")])
    await submit(api, learner, sitting_id)
    await _until(lambda: _ended(api, session_id), "the session ends with the sitting")
    sitting = RecordedSitting(api, proctored, learner, sitting_id, session_id)

    async def tutor_recorded() -> bool:
        shown = (await report(api, sitting.teacher, sitting_id)).json()
        return any(entry["source"] == "tutor" for entry in shown["entries"])

    await _until(tutor_recorded, "the tutor's refusal reaches the analytics store")
    return sitting


def _first(entries: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(entry for entry in entries if entry["kind"] == kind)


async def test_the_report_merges_proctor_browser_and_tutor_events_in_time_order(
    recorded: RecordedSitting,
) -> None:
    shown = await report(recorded.api, recorded.teacher, recorded.sitting_id)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    entries = body["entries"]
    times = [datetime.fromisoformat(entry["at"]) for entry in entries]
    assert times == sorted(times)
    assert {entry["source"] for entry in entries} == {"proctor", "client", "tutor"}
    order = [entry["kind"] for entry in entries]
    # Asked before the stream went live; then the tab switch, the absence, the copy.
    assert order.index("tutor_refused") < order.index("tab_hidden") < order.index("face_absent")
    assert order.index("face_absent") < order.index("copy_paste")

    absent = _first(entries, "face_absent")
    assert absent["source"] == "proctor" and absent["analyser"] == "presence"
    assert 1.5 <= absent["started_at_seconds"] <= 2.6, absent
    [live] = body["sessions"]
    anchor = datetime.fromisoformat(live["live_at"])
    expected = anchor + timedelta(seconds=absent["started_at_seconds"])
    assert datetime.fromisoformat(absent["at"]) == expected
    assert absent["evidence_count"] >= 1
    assert len(absent["evidence"]) == absent["evidence_count"]
    assert _first(entries, "tab_hidden")["source"] == "client"
    tutor = _first(entries, "tutor_refused")
    assert tutor["message"] == QUESTION and not tutor["message_truncated"]
    window = (datetime.fromisoformat(body["started_at"]), datetime.fromisoformat(body["ended_at"]))
    assert window[0] <= datetime.fromisoformat(tutor["at"]) <= window[1]

    assert body["mode"] == "proctored" and body["evidence_shown"]
    assert "objects: unavailable" in body["availability"]
    assert live["identity_verified"]
    assert sum(body["severity_counts"].values()) == sum(
        entry["source"] != "tutor" for entry in entries
    )
    assert body["decisions"] == [] and body["appeal"] is None


async def test_the_learner_sees_their_report_without_images(recorded: RecordedSitting) -> None:
    shown = await report(recorded.api, recorded.learner, recorded.sitting_id)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert not body["evidence_shown"]
    assert all(entry["evidence"] == [] for entry in body["entries"])
    assert _first(body["entries"], "face_absent")["evidence_count"] >= 1
    assert _first(body["entries"], "tutor_refused")["message"] == QUESTION


async def test_the_report_is_for_reviewers_and_the_learner_only(
    recorded: RecordedSitting,
) -> None:
    api = recorded.api
    other_class = await proctored_exam(api)
    child, parent = await child_with_parent(api, recorded.exam.room)
    strangers = [
        other_class.room.teacher,
        other_class.room.learners[0],
        child,
        parent,
        await account(api, Role.CONTENT_EDITOR.value),
    ]
    for stranger in strangers:
        refused = await report(api, stranger, recorded.sitting_id)
        assert refused.status_code == 404, (stranger.role, refused.text)
    for reviewer in (await account(api, "proctor"), await account(api, "admin")):
        shown = await report(api, reviewer, recorded.sitting_id)
        assert shown.status_code == 200 and shown.json()["evidence_shown"], reviewer.role


async def _views(api: Api, sitting_id: str) -> list[BiometricAccess]:
    async with api.stores.database.session() as session:
        query = select(BiometricAccess).where(BiometricAccess.sitting_id == uuid.UUID(sitting_id))
        return list(await session.scalars(query.order_by(BiometricAccess.viewed_at)))


async def test_evidence_is_shown_to_reviewers_only_and_every_view_is_recorded(
    recorded: RecordedSitting,
) -> None:
    api = recorded.api
    body = (await report(api, recorded.teacher, recorded.sitting_id)).json()
    [url, *_] = _first(body["entries"], "face_absent")["evidence"]
    assert "proctor-evidence" not in url  # the object key never leaves the server
    proctor = await account(api, "proctor")
    for reviewer in (recorded.teacher, proctor):
        shown = await api.client.get(url, headers=reviewer.headers)
        assert shown.status_code == 200, shown.text
        assert shown.headers["content-type"] == "image/jpeg"
        assert shown.headers["cache-control"] == "no-store"
        assert shown.content.startswith(b"\xff\xd8\xff")
    views = await _views(api, recorded.sitting_id)
    assert [(view.viewer_id, view.what) for view in views] == [
        (recorded.teacher.id, "evidence_keyframe"),
        (proctor.id, "evidence_keyframe"),
    ]
    assert {view.subject_id for view in views} == {recorded.learner.id}
    assert views[0].object_key is not None and views[0].object_key.startswith("proctor-evidence/")

    other_teacher = (await proctored_exam(api)).room.teacher
    refusals = [
        (recorded.learner, 403),
        (await account(api, "parent"), 403),
        (await account(api, Role.CONTENT_EDITOR.value), 403),
        (other_teacher, 404),
    ]
    for viewer, status in refusals:
        refused = await api.client.get(url, headers=viewer.headers)
        assert refused.status_code == status, (viewer.role, refused.text)
    beyond = url.rsplit("/", 1)[0] + "/99"
    assert (await api.client.get(beyond, headers=recorded.teacher.headers)).status_code == 404
    assert len(await _views(api, recorded.sitting_id)) == 2, "refusals are not views"


async def _queue(api: Api, viewer: Account, state: str = "pending") -> Any:
    shown = await api.client.get(
        "/api/v1/proctor/reviews", headers=viewer.headers, params={"state": state}
    )
    assert shown.status_code == 200, shown.text
    return shown.json()


async def test_the_queue_shows_each_reviewer_their_sittings_with_a_summary(
    recorded: RecordedSitting,
) -> None:
    api = recorded.api
    queue = await _queue(api, recorded.teacher)
    [entry] = [item for item in queue["items"] if item["sitting_id"] == recorded.sitting_id]
    assert entry["mode"] == "proctored" and entry["latest_decision"] is None
    assert sum(entry["severity_counts"].values()) >= 3
    kinds = {kind["kind"] for kind in entry["top_kinds"]}
    assert "face_absent" in kinds and len(kinds) <= 3
    for everywhere in (await account(api, "proctor"), await account(api, "admin")):
        seen = {item["sitting_id"] for item in (await _queue(api, everywhere))["items"]}
        assert recorded.sitting_id in seen, everywhere.role
    other_teacher = (await proctored_exam(api)).room.teacher
    assert (await _queue(api, other_teacher))["items"] == []
    assert (await _queue(api, recorded.teacher, "decided"))["items"] == []
    for refused in (recorded.learner, await account(api, "parent")):
        shown = await api.client.get("/api/v1/proctor/reviews", headers=refused.headers)
        assert shown.status_code == 403
