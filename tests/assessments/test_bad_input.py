"""Bad input gets a clear 4xx and stores nothing (row counts checked in the database)."""

import uuid

from platform_api.assessments.models import Assignment, ExamSitting, Response
from tests.assessments.factory import (
    account,
    classroom,
    count,
    created,
    homework,
    mc_item,
    response_rows,
    start,
)
from tests.fixtures.app import Api


async def test_bad_answers_are_refused_and_nothing_is_stored(api: Api) -> None:
    room = await classroom(api, learners=2, mc_items=1)
    learner, other = room.learners
    assignment = await homework(api, room)
    sitting = await start(api, learner, assignment["id"])
    answers = f"/api/v1/sittings/{sitting['id']}/answers"
    elsewhere = await created(
        api, room.teacher, "/api/v1/items", mc_item(room.lesson_id, "Not in the sitting")
    )
    numeric, mc = room.items["numeric"], room.items["mc0"]
    cases = [
        (f"{answers}/{uuid.uuid4()}", learner, {"answer": "a"}, 404, "not_found"),
        (f"{answers}/{elsewhere['id']}", learner, {"answer": "a"}, 404, "not_found"),
        (f"{answers}/{mc}", other, {"answer": "a"}, 404, "not_found"),
        (f"{answers}/{mc}", learner, {"answer": "z"}, 422, "invalid_answer"),
        (f"{answers}/{mc}", learner, {"answer": "a", "extra": 1}, 422, "validation_error"),
        (f"{answers}/{numeric}", learner, {"answer": "12 #!"}, 422, "invalid_answer"),
        (f"{answers}/{numeric}", learner, {"answer": "nan"}, 422, "invalid_answer"),
        (f"{answers}/{numeric}", learner, {"answer": "1_000"}, 422, "invalid_answer"),
        (f"{answers}/{numeric}", learner, {"answer": 12}, 422, "validation_error"),
        (f"{answers}/{room.items['short']}", learner, {"answer": "x" * 1_000_000}, 422, None),
        (f"{answers}/{mc}", learner, {"answer": ""}, 422, "validation_error"),
    ]
    for path, caller, body, status, code in cases:
        response = await api.client.put(path, headers=caller.headers, json=body)
        assert response.status_code == status, (path, body if len(str(body)) < 99 else "1 MB")
        assert code is None or response.json()["error"]["code"] == code
    assert await response_rows(api, sitting["id"]) == []
    assert await count(api, Response) == 0

    peeks = [
        await api.client.get(f"/api/v1/sittings/{sitting['id']}", headers=other.headers),
        await api.client.post(f"/api/v1/sittings/{sitting['id']}/submit", headers=other.headers),
        await api.client.get(f"/api/v1/sittings/{sitting['id']}/results", headers=other.headers),
    ]
    assert [p.status_code for p in peeks] == [404, 404, 404]
    assert await count(api, ExamSitting) == 1


async def test_bad_assignments_are_refused_and_nothing_is_stored(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    teacher, base = room.teacher, {"class_id": room.class_id, "title": "HW", "kind": "homework"}
    stranger_course_item = (await classroom(api, learners=0, mc_items=1)).items["mc0"]
    cases = [
        ({**base, "item_ids": [str(uuid.uuid4())]}, 422),
        ({**base, "item_ids": [stranger_course_item]}, 422),
        ({**base, "item_ids": [room.items["mc0"]] * 2}, 422),
        ({**base, "item_ids": [], "lesson_id": room.lesson_id}, 422),
        ({**base, "lesson_id": str(uuid.uuid4())}, 404),
        ({**base, "kind": "exam", "item_ids": [room.items["mc0"]]}, 422),  # no window
        ({**base, "class_id": str(uuid.uuid4()), "lesson_id": room.lesson_id}, 404),
    ]
    for body, status in cases:
        response = await api.client.post("/api/v1/assignments", headers=teacher.headers, json=body)
        assert response.status_code == status, (body, response.text)
    learner = room.learners[0]
    as_learner = await api.client.post(
        "/api/v1/assignments", headers=learner.headers, json={**base, "lesson_id": room.lesson_id}
    )
    assert as_learner.status_code == 403
    other_teacher = await account(api, "teacher")
    foreign = await api.client.post(
        "/api/v1/assignments",
        headers=other_teacher.headers,
        json={**base, "lesson_id": room.lesson_id},
    )
    assert foreign.status_code == 403
    assert await count(api, Assignment) == 0
