"""Homework and exam sittings through the API: answers, submit, shuffles, one open exam."""

import asyncio
import uuid

from platform_api.assessments.events import SITTING_STARTED, SITTING_SUBMITTED
from platform_api.assessments.layout import PlannedItem, learner_layout
from platform_api.assessments.models import Assignment
from tests.assessments.factory import (
    account,
    classroom,
    enrolled_learner,
    events_of,
    exam,
    homework,
    response_rows,
    start,
)
from tests.fixtures.app import Api


async def test_homework_answers_are_idempotent_and_submit_once(api: Api) -> None:
    room = await classroom(api, learners=1)
    learner, outsider = room.learners[0], await account(api, "student")
    assignment = await homework(api, room, feedback_timing="immediate")
    assert assignment["item_count"] == 4 and len(assignment["items"]) == 4
    listed = await api.client.get("/api/v1/assignments", headers=learner.headers)
    assert [a["id"] for a in listed.json()] == [assignment["id"]]
    assert listed.json()[0]["items"] is None  # learners do not get the item list or seed
    assert (await api.client.get("/api/v1/assignments", headers=outsider.headers)).json() == []
    peek = await api.client.get(f"/api/v1/assignments/{assignment['id']}", headers=outsider.headers)
    assert peek.status_code == 404

    sitting = await start(api, learner, assignment["id"])
    assert not sitting["is_exam"] and sitting["accepting_answers"]
    shown = sitting["items"][0]
    assert "solution" not in shown and [o["key"] for o in shown["options"]] == ["a", "b", "c", "d"]
    answers = f"/api/v1/sittings/{sitting['id']}/answers"
    mc, numeric = room.items["mc0"], room.items["numeric"]
    for answer in ("a", "c"):
        saved = await api.client.put(
            f"{answers}/{mc}", headers=learner.headers, json={"answer": answer}
        )
        assert saved.status_code == 200, saved.text
    await api.client.put(f"{answers}/{numeric}", headers=learner.headers, json={"answer": " 6.05 "})
    rows = {str(r.item_id): r for r in await response_rows(api, sitting["id"])}
    assert len(rows) == 2 and rows[mc].answer == "c" and rows[numeric].answer == "6.05"
    assert rows[mc].first_answered_at <= rows[mc].answered_at and rows[mc].item_version == 1

    submits = [
        await api.client.post(f"/api/v1/sittings/{sitting['id']}/submit", headers=learner.headers)
        for _ in range(2)
    ]
    assert [s.status_code for s in submits] == [200, 200]
    assert submits[0].json()["ended_at"] == submits[1].json()["ended_at"]
    assert submits[0].json()["status"] == "grading" and not submits[0].json()["auto_submitted"]
    submitted = await events_of(api, SITTING_SUBMITTED)
    assert [e["sitting_id"] for e in submitted] == [sitting["id"]]
    late = await api.client.put(f"{answers}/{mc}", headers=learner.headers, json={"answer": "b"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "sitting_closed"
    assert {str(r.item_id): r.answer for r in await response_rows(api, sitting["id"])}[mc] == "c"
    again = await api.client.post(
        "/api/v1/sittings", headers=learner.headers, json={"assignment_id": assignment["id"]}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "attempts_exhausted"


async def test_an_edit_after_an_answer_leaves_the_answered_version(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner, mc = room.learners[0], room.items["mc0"]
    sitting = await start(api, learner, (await homework(api, room))["id"])
    await api.client.put(
        f"/api/v1/sittings/{sitting['id']}/answers/{mc}",
        headers=learner.headers,
        json={"answer": "b"},
    )
    edit = {"version": 1, "prompt": "A changed question", "answer": "d"}
    assert (
        await api.client.patch(f"/api/v1/items/{mc}", headers=room.teacher.headers, json=edit)
    ).status_code == 200
    view = (
        await api.client.get(f"/api/v1/sittings/{sitting['id']}", headers=learner.headers)
    ).json()
    shown = next(i for i in view["items"] if i["item_id"] == mc)
    assert shown["prompt"].startswith("Question 0") and shown["answer"] == "b"
    assert [r.item_version for r in await response_rows(api, sitting["id"])] == [1]


async def test_exam_shuffles_are_reproducible_per_learner_and_differ_between_them(api: Api) -> None:
    room = await classroom(api, learners=2, mc_items=5)
    assignment = await exam(api, room, duration=600)
    orders = []
    for learner in room.learners:
        sitting = await start(api, learner, assignment["id"])
        again = await api.client.get(f"/api/v1/sittings/{sitting['id']}", headers=learner.headers)
        order = [(i["item_id"], tuple(o["key"] for o in i["options"])) for i in sitting["items"]]
        assert order == [
            (i["item_id"], tuple(o["key"] for o in i["options"])) for i in again.json()["items"]
        ]
        assert sorted(i for i, _ in order) == sorted(room.items.values())
        # The same order the layout function gives for this seed and learner, in any process.
        planned = [
            PlannedItem(uuid.UUID(item_id), 1, 1.0, tuple("abcd") if name[:2] == "mc" else ())
            for name, item_id in room.items.items()
        ]
        expected = learner_layout(planned, 20261201, learner.id, shuffle=True)
        assert [(e["item_id"], tuple(e["option_order"])) for e in expected] == order
        orders.append(order)
    assert orders[0] != orders[1]
    assert sum(len(keys) == 4 and keys != tuple("abcd") for _, keys in orders[0]) >= 1
    assert len(await events_of(api, SITTING_STARTED)) == 2


async def test_a_second_concurrent_exam_sitting_is_refused(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner = room.learners[0]
    first, second = await exam(api, room), await exam(api, room)
    body = {"assignment_id": first["id"]}
    racing = await asyncio.gather(
        *(api.client.post("/api/v1/sittings", headers=learner.headers, json=body) for _ in range(3))
    )
    assert sorted(r.status_code for r in racing) == [201, 409, 409]
    assert all(
        r.json()["error"]["code"] == "sitting_already_open" for r in racing if r.status_code == 409
    )
    other = await api.client.post(
        "/api/v1/sittings", headers=learner.headers, json={"assignment_id": second["id"]}
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "sitting_already_open"
    opened = next(r.json() for r in racing if r.status_code == 201)
    await api.client.post(f"/api/v1/sittings/{opened['id']}/submit", headers=learner.headers)
    assert (await start(api, learner, second["id"]))["is_exam"]


async def test_window_and_class_are_checked_at_start(api: Api) -> None:
    room = await classroom(api, learners=2, mc_items=1)
    early, other = room.learners
    later = await exam(api, room, opens_in=3600)
    closed = await api.client.post(
        "/api/v1/sittings", headers=other.headers, json={"assignment_id": later["id"]}
    )
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "outside_window"
    # Another window for one learner lets that learner (only) start now.
    async with api.stores.database.session() as session:
        opens = (await session.get(Assignment, uuid.UUID(later["id"]))).opens_at  # type: ignore[union-attr]
    granted = await api.client.put(
        f"/api/v1/assignments/{later['id']}/accommodations/{early.id}",
        headers=room.teacher.headers,
        json={
            "reason": "Sits the exam early (travel)",
            "opens_at": "2020-01-01T00:00:00Z",
            "closes_at": opens.isoformat(),
        },
    )
    assert granted.status_code == 200, granted.text
    assert (await start(api, early, later["id"]))["deadline_at"] is not None
    stranger = await account(api, "student")
    foreign = await api.client.post(
        "/api/v1/sittings", headers=stranger.headers, json={"assignment_id": later["id"]}
    )
    assert foreign.status_code == 404
    newcomer = await enrolled_learner(api, room)
    assert (
        await api.client.post(
            "/api/v1/sittings", headers=newcomer.headers, json={"assignment_id": later["id"]}
        )
    ).status_code == 409
