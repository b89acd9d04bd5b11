"""Server deadlines: auto-submit, refusal after the deadline, extra time, reopening.

Time is moved, never slept through: routes read the server clock from ``server_now``, which a
test overrides (``set_clock``), and the deadline sweeper is run once with the same moment
(``sweep_once(database, now)``). One test lets the app's own background sweeper do it, after
moving a deadline into the past with SQL.
"""

import asyncio
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

from platform_api.assessments.events import SITTING_SUBMITTED
from platform_api.assessments.models import ExamSitting, SittingReopening
from platform_api.assessments.sweeper import sweep_once
from tests.assessments.factory import (
    account,
    classroom,
    events_of,
    exam,
    response_rows,
    set_clock,
    start,
)
from tests.fixtures.app import Api


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_two_minute_exam_auto_submits_at_its_deadline(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner = room.learners[0]
    sitting = await start(api, learner, (await exam(api, room, duration=120))["id"])
    started, deadline = moment(sitting["started_at"]), moment(sitting["deadline_at"])
    assert deadline - started == timedelta(minutes=2)
    answers = f"/api/v1/sittings/{sitting['id']}/answers"
    mc = room.items["mc0"]
    set_clock(api, deadline - timedelta(seconds=1))
    on_time = await api.client.put(f"{answers}/{mc}", headers=learner.headers, json={"answer": "b"})
    assert on_time.status_code == 200

    set_clock(api, deadline)  # the instant of the deadline: closed, before any sweep
    late = await api.client.put(f"{answers}/{mc}", headers=learner.headers, json={"answer": "a"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "sitting_closed"
    assert await events_of(api, SITTING_SUBMITTED) == []

    # Two sweepers (two API processes) at once: the sitting is submitted exactly once.
    closed = await asyncio.gather(*(sweep_once(api.stores.database, deadline) for _ in range(2)))
    assert sorted(closed) == [0, 1]
    assert await sweep_once(api.stores.database, deadline + timedelta(minutes=1)) == 0
    [event] = await events_of(api, SITTING_SUBMITTED)
    assert event["auto_submitted"] and moment(event["submitted_at"]) == deadline
    view = await api.client.get(f"/api/v1/sittings/{sitting['id']}", headers=learner.headers)
    assert view.json()["status"] == "grading" and view.json()["auto_submitted"]
    assert moment(view.json()["ended_at"]) == deadline and not view.json()["accepting_answers"]
    assert [r.answer for r in await response_rows(api, sitting["id"])] == ["b"]


async def test_the_background_sweeper_closes_overdue_sittings(swept_api: Api) -> None:
    api = swept_api
    room = await classroom(api, learners=1, mc_items=1)
    learner = room.learners[0]
    sitting = await start(api, learner, (await exam(api, room))["id"])
    async with api.stores.database.session() as session, session.begin():
        await session.execute(
            update(ExamSitting)
            .where(ExamSitting.id == uuid.UUID(sitting["id"]))
            .values(deadline_at=ExamSitting.started_at)
        )
    path = f"/api/v1/sittings/{sitting['id']}"
    for _ in range(200):  # the sweeper runs every 50 ms; give it up to ~10 s on a busy machine
        view = (await api.client.get(path, headers=learner.headers)).json()
        if view["status"] == "grading":
            break
        await asyncio.sleep(0.05)
    assert view["status"] == "grading" and view["auto_submitted"]
    assert len(await events_of(api, SITTING_SUBMITTED)) == 1


async def test_extra_time_moves_only_that_learners_deadline(api: Api) -> None:
    room = await classroom(api, learners=2, mc_items=1)
    helped, other = room.learners
    assignment = await exam(api, room, duration=600)
    sittings = [await start(api, learner, assignment["id"]) for learner in room.learners]
    granted = await api.client.put(
        f"/api/v1/assignments/{assignment['id']}/accommodations/{helped.id}",
        headers=room.teacher.headers,
        json={"extra_seconds": 300, "reason": "Extended time plan"},
    )
    assert granted.status_code == 200, granted.text
    views = [
        (await api.client.get(f"/api/v1/sittings/{s['id']}", headers=learner.headers)).json()
        for s, learner in zip(sittings, room.learners, strict=True)
    ]
    assert moment(views[0]["deadline_at"]) - moment(sittings[0]["deadline_at"]) == timedelta(
        minutes=5
    )
    assert views[1]["deadline_at"] == sittings[1]["deadline_at"]
    stranger = await account(api, "teacher")
    refused = await api.client.put(
        f"/api/v1/assignments/{assignment['id']}/accommodations/{other.id}",
        headers=stranger.headers,
        json={"extra_seconds": 300, "reason": "not my class"},
    )
    assert refused.status_code == 403
    detail = await api.client.get(
        f"/api/v1/assignments/{assignment['id']}", headers=room.teacher.headers
    )
    assert [a["reason"] for a in detail.json()["accommodations"]] == ["Extended time plan"]


async def test_a_reopened_sitting_keeps_its_answers_and_records_why(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner, teacher = room.learners[0], room.teacher
    sitting = await start(api, learner, (await exam(api, room))["id"])
    answers = f"/api/v1/sittings/{sitting['id']}/answers"
    await api.client.put(
        f"{answers}/{room.items['mc0']}", headers=learner.headers, json={"answer": "b"}
    )
    reopen = f"/api/v1/sittings/{sitting['id']}/reopen"
    body = {"reason": "The school's network went down", "minutes": 10}
    still_open = await api.client.post(reopen, headers=teacher.headers, json=body)
    assert still_open.status_code == 409
    deadline = moment(sitting["deadline_at"])
    await sweep_once(api.stores.database, deadline)
    set_clock(api, deadline + timedelta(minutes=1))

    stranger = await account(api, "teacher")
    assert (await api.client.post(reopen, headers=stranger.headers, json=body)).status_code == 403
    reopened = await api.client.post(reopen, headers=teacher.headers, json=body)
    assert reopened.status_code == 201, reopened.text
    assert moment(reopened.json()["previous_deadline"]) == deadline
    assert moment(reopened.json()["new_deadline"]) == deadline + timedelta(minutes=11)
    view = (
        await api.client.get(f"/api/v1/sittings/{sitting['id']}", headers=learner.headers)
    ).json()
    assert view["status"] == "in_progress" and view["accepting_answers"]
    assert [i["answer"] for i in view["items"] if i["item_id"] == room.items["mc0"]] == ["b"]
    more = await api.client.put(
        f"{answers}/{room.items['numeric']}", headers=learner.headers, json={"answer": "6"}
    )
    assert more.status_code == 200
    await api.client.post(f"/api/v1/sittings/{sitting['id']}/submit", headers=learner.headers)
    assert len(await response_rows(api, sitting["id"])) == 2
    assert [e["auto_submitted"] for e in await events_of(api, SITTING_SUBMITTED)] == [True, False]
    async with api.stores.database.session() as session:
        [row] = await session.scalars(select(SittingReopening))
    assert row.reason == body["reason"] and row.reopened_by == teacher.id
