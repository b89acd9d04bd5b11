"""Test data for proctored exams, through the API: a class with a proctored exam, learners of a
given age, linked parents, enrolment photos made from real portraits; a webcam's offer and the
session polled until it gets somewhere."""

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import cv2
import numpy as np

from platform_api.auth.models import ParentLink, Role, User
from platform_api.auth.tokens import issue_access_token
from proctor.signals import Image
from proctor.staging.portraits import astronaut_photo
from tests.assessments.factory import Classroom, classroom, created, enrol, exam, start
from tests.fixtures.app import Account, Api
from tests.proctor.webrtc_client import WebcamClient


@dataclass
class ProctoredExam:
    room: Classroom
    exam: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.exam["id"])

    @property
    def first_item(self) -> str:
        return next(iter(self.room.items.values()))


async def proctored_exam(api: Api, learners: int = 1) -> ProctoredExam:
    room = await classroom(api, learners=learners, mc_items=1)
    return ProctoredExam(room, await exam(api, room, duration=1800, requires_proctoring=True))


async def person(api: Api, role: Role, birth_date: date | None = None) -> Account:
    """A signed-in account made at the service level (as tests/assessments' factory does)."""
    email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.org"
    user = User(
        id=uuid.uuid4(), email=email, display_name="Someone", role=role, birth_date=birth_date
    )
    async with api.stores.database.session() as session:
        session.add(user)
        await session.commit()
    token = issue_access_token(
        api.stores.signing_key, api.settings.jwt_issuer, user.id, user.role, 3600
    )
    return Account(user.id, email, role.value, token, "")


async def child_with_parent(api: Api, room: Classroom) -> tuple[Account, Account]:
    """A ten-year-old learner of the class and their linked parent."""
    today = datetime.now(UTC).date()
    child = await enrol(
        api, room, await person(api, Role.STUDENT, today.replace(year=today.year - 10))
    )
    parent = await person(api, Role.PARENT)
    async with api.stores.database.session() as session:
        session.add(ParentLink(parent_id=parent.id, child_id=child.id))
        await session.commit()
    return child, parent


def encoded(image: Image, extension: str = ".jpg") -> bytes:
    """The picture as an uploaded file; a JPEG by default, as a camera or phone makes it."""
    ok, data = cv2.imencode(extension, image)
    assert ok
    return np.asarray(data).tobytes()


async def upload_photo(api: Api, learner: Account, data: bytes) -> Any:
    files = {"file": ("photo", data, "application/octet-stream")}  # the type is sniffed
    return await api.client.put("/api/v1/me/enrolment-photo", headers=learner.headers, files=files)


async def consent(api: Api, giver: Account, exam_id: str, learner: Account | None = None) -> Any:
    body: dict[str, Any] = {"assignment_id": exam_id}
    if learner is not None:
        body["learner_id"] = str(learner.id)
    return await api.client.post("/api/v1/proctor/consents", headers=giver.headers, json=body)


async def ready_to_stream(api: Api, proctored: ProctoredExam, learner: Account) -> dict[str, Any]:
    """The learner enrolled (astronaut), consented, sitting the exam with a pending session:
    ``{"sitting": ..., "session": ...}``."""
    assert (await upload_photo(api, learner, encoded(astronaut_photo()))).status_code == 200
    assert (await consent(api, learner, proctored.id)).status_code == 201
    sitting = await start(api, learner, proctored.id)
    session = await created(api, learner, "/api/v1/proctor/sessions", {"sitting_id": sitting["id"]})
    return {"sitting": sitting, "session": session}


async def answer(api: Api, learner: Account, sitting_id: str, item_id: str) -> Any:
    return await api.client.put(
        f"/api/v1/sittings/{sitting_id}/answers/{item_id}",
        headers=learner.headers,
        json={"answer": "b"},
    )


async def submitted(api: Api, learner: Account, sitting_id: str, session_id: str) -> dict[str, Any]:
    """Submit the sitting and wait for its proctoring session to end with it (through the
    outbox and the bus): the session as then shown."""
    await submit(api, learner, sitting_id)
    path = f"/api/v1/proctor/sessions/{session_id}"
    for _ in range(200):
        shown: dict[str, Any] = (await api.client.get(path, headers=learner.headers)).json()
        if shown["status"] == "ended":
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"the session did not end with its sitting: {shown}")


async def ended_sitting(api: Api, proctored: ProctoredExam, learner: Account) -> dict[str, Any]:
    """The learner's sitting of the exam, started and submitted without a stream (unproctored)."""
    sitting = await start(api, learner, proctored.id)
    await submit(api, learner, sitting["id"])
    return sitting


async def submit(api: Api, learner: Account, sitting_id: str) -> None:
    submitted = await api.client.post(
        f"/api/v1/sittings/{sitting_id}/submit", headers=learner.headers
    )
    assert submitted.status_code == 200, submitted.text


async def decide(
    api: Api, reviewer: Account, sitting_id: str, decision: str, expected_version: int
) -> Any:
    return await api.client.post(
        f"/api/v1/proctor/sittings/{sitting_id}/decisions",
        headers=reviewer.headers,
        json={"decision": decision, "note": f"{decision}.", "expected_version": expected_version},
    )


async def report(api: Api, viewer: Account, sitting_id: str) -> Any:
    return await api.client.get(
        f"/api/v1/proctor/sittings/{sitting_id}/report", headers=viewer.headers
    )


async def offer_webcam(api: Api, learner: Account, session_id: str, client: WebcamClient) -> Any:
    """The client's offer through the API's offer endpoint (the response, whatever it is)."""
    offer = await client.offer()
    return await api.client.post(
        f"/api/v1/proctor/sessions/{session_id}/offer",
        headers=learner.headers,
        json={"sdp": offer.sdp, "type": offer.type},
    )


async def shown_session(api: Api, learner: Account, session_id: str) -> dict[str, Any]:
    shown = await api.client.get(f"/api/v1/proctor/sessions/{session_id}", headers=learner.headers)
    assert shown.status_code == 200, shown.text
    result: dict[str, Any] = shown.json()
    return result


async def session_when(
    api: Api,
    learner: Account,
    session_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float,
) -> dict[str, Any]:
    """The session as shown once ``done(shown)`` holds, polled as the exam page does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = await shown_session(api, learner, session_id)
        if done(shown):
            return shown
        await asyncio.sleep(0.3)
    raise AssertionError(f"the session never got there: {shown}")
