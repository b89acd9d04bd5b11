"""The item bank: who writes items, what is bounded, and that an edit is a new version."""

import uuid

from sqlalchemy import select

from core.curriculum.models import AssessmentItemVersion
from tests.assessments.factory import NUMERIC_ITEM, account, classroom, created, mc_item
from tests.fixtures.app import Api


async def test_items_are_written_read_and_edited_as_new_versions(api: Api) -> None:
    room = await classroom(api, learners=0, mc_items=1)
    teacher = room.teacher
    item = (
        await api.client.get(f"/api/v1/items/{room.items['short']}", headers=teacher.headers)
    ).json()
    assert item["max_points"] == 3 and item["short_answer"]["rubric"][1]["points"] == 2
    numeric = (
        await api.client.get(f"/api/v1/items/{room.items['numeric']}", headers=teacher.headers)
    ).json()
    assert numeric["numeric"] == {"answer": 6.0, "tolerance": 0.1, "unit": "N"}
    mc = (
        await api.client.get(f"/api/v1/items/{room.items['mc0']}", headers=teacher.headers)
    ).json()
    assert [o["key"] for o in mc["options"]] == ["a", "b", "c", "d"] and mc["answer"] == "b"

    edited = await api.client.patch(
        f"/api/v1/items/{room.items['mc0']}",
        headers=teacher.headers,
        json={"version": 1, "prompt": "Where does a compass needle point?", "answer": "a"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2 and edited.json()["answer"] == "a"
    stale = await api.client.patch(
        f"/api/v1/items/{room.items['mc0']}", headers=teacher.headers, json={"version": 1}
    )
    assert stale.status_code == 412
    broken = await api.client.patch(
        f"/api/v1/items/{room.items['mc0']}",
        headers=teacher.headers,
        json={"version": 2, "answer": "z"},
    )
    assert broken.status_code == 422
    async with api.stores.database.session() as session:
        versions = await session.scalars(
            select(AssessmentItemVersion)
            .where(AssessmentItemVersion.item_id == uuid.UUID(room.items["mc0"]))
            .order_by(AssessmentItemVersion.version)
        )
        snapshots = [(v.version, v.snapshot["answer"]) for v in versions]
    assert snapshots == [(1, "b"), (2, "a")]


async def test_item_writers_and_bounds(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    stranger, editor = await account(api, "teacher"), await account(api, "content_editor")
    body = mc_item(room.lesson_id, "Which way?")
    refused = await api.client.post("/api/v1/items", headers=stranger.headers, json=body)
    assert refused.status_code == 403
    hidden = await api.client.get(f"/api/v1/items/{room.items['mc0']}", headers=stranger.headers)
    assert hidden.status_code == 404
    learner = room.learners[0]
    assert (
        await api.client.post("/api/v1/items", headers=learner.headers, json=body)
    ).status_code == 403
    await created(api, editor, "/api/v1/items", body)

    # A teacher whose class follows the course (not its owner) writes items for it too.
    other_teacher = await account(api, "teacher")
    own_class = await created(api, other_teacher, "/api/v1/classes", {"name": "8A"})
    follow = await api.client.post(
        f"/api/v1/classes/{own_class['id']}/courses",
        headers=other_teacher.headers,
        json={"course_id": room.course_id},
    )
    assert follow.status_code == 200
    await created(api, other_teacher, "/api/v1/items", body)

    too_many = {**body, "options": [{"text": f"option {i}"} for i in range(11)]}
    long_prompt = {**body, "prompt": "x" * 10_001}
    bad_key = {**body, "answer": "q"}
    numeric_without_spec = {"lesson_id": room.lesson_id, "kind": "numeric", "prompt": "2+2?"}
    infinite = {**NUMERIC_ITEM, "lesson_id": room.lesson_id, "numeric": {"answer": 1e300}}
    for invalid in (too_many, long_prompt, bad_key, numeric_without_spec, infinite):
        response = await api.client.post(
            "/api/v1/items", headers=room.teacher.headers, json=invalid
        )
        assert response.status_code == 422, invalid
    unknown_lesson = {**body, "lesson_id": str(uuid.uuid4())}
    missing = await api.client.post(
        "/api/v1/items", headers=room.teacher.headers, json=unknown_lesson
    )
    assert missing.status_code == 404
