"""Requests the schemathesis run (tests/http/test_fuzzing.py) found answered wrongly, replayed.

Each was a 500 or a status the OpenAPI did not document; the fuzz test finds them again only by
chance, these tests every time.
"""

import uuid

from tests.curriculum.test_lessons import make_course, make_lesson
from tests.fixtures.app import Api


async def test_text_with_a_nul_character_is_refused_not_a_server_error(api: Api) -> None:
    teacher = await api.account("teacher")
    search = await api.client.get(
        "/api/v1/curricula/search", params={"q": "water\x00cycle"}, headers=teacher.headers
    )
    renamed = await api.client.patch(
        "/api/v1/users/me", json={"display_name": "A\x00B"}, headers=teacher.headers
    )
    for response in (search, renamed):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["type"] == "nul_character"


async def test_a_broken_multipart_body_is_a_validation_error(api: Api) -> None:
    student = await api.account("student")
    response = await api.client.put(
        "/api/v1/users/me/avatar",
        content=b"--b\r\nNone--b--\r\n",
        headers={**student.headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["type"] == "body_unreadable"


async def test_a_literal_path_is_not_read_as_an_id(api: Api) -> None:
    # /content/jobs/file also matched /content/jobs/{job_id}: GET reached that handler (422).
    editor = await api.account("content_editor")
    for method in ("GET", "OPTIONS"):
        response = await api.client.request(
            method, "/api/v1/content/jobs/file", headers=editor.headers
        )
        assert (response.status_code, response.headers["allow"]) == (405, "POST"), method
    job = await api.client.get(f"/api/v1/content/jobs/{uuid.uuid4()}", headers=editor.headers)
    assert job.status_code == 404
    assert (
        await api.client.get("/api/v1/content/jobs/1234", headers=editor.headers)
    ).status_code == 404


async def test_a_tutor_session_on_a_course_with_a_long_title(api: Api) -> None:
    # The session's title defaults to the course's (up to 300 characters; the column holds 200).
    teacher, student = await api.account("teacher"), await api.account("student")
    curriculum = await api.client.post(
        "/api/v1/curricula", json={"title": "Long"}, headers=teacher.headers
    )
    course = await api.client.post(
        f"/api/v1/curricula/{curriculum.json()['id']}/courses",
        json={"title": "T" * 300},
        headers=teacher.headers,
    )
    session = await api.client.post(
        "/api/v1/tutor/sessions", json={"course_id": course.json()["id"]}, headers=student.headers
    )
    assert session.status_code == 201, session.text
    assert session.json()["title"] == "T" * 200


async def test_exporting_a_job_without_items_as_qti_is_a_conflict(api: Api) -> None:
    teacher = await api.account("teacher")
    course_id, _ = await make_course(api, teacher)
    job = await api.client.post(
        "/api/v1/content/jobs",
        json={"course_id": course_id, "topics": [{"topic": "Friction"}]},
        headers=teacher.headers,
    )
    assert job.status_code == 202, job.text
    export = await api.client.get(
        f"/api/v1/content/jobs/{job.json()['id']}/export", headers=teacher.headers
    )
    assert export.status_code == 409, export.text
    assert export.json()["error"]["code"] == "conflict"


async def test_lesson_edits_leave_null_fields_and_refuse_an_empty_if_match(api: Api) -> None:
    teacher = await api.account("teacher")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    url = f"/api/v1/curricula/lessons/{lesson_id}"
    empty = await api.client.patch(url, json={}, headers={**teacher.headers, "If-Match": ""})
    assert empty.status_code == 422, empty.text
    kept = await api.client.patch(
        url, json={"title": None, "objectives": None}, headers={**teacher.headers, "If-Match": etag}
    )
    assert kept.status_code == 200, kept.text  # was a NOT NULL violation (500)
    assert kept.json()["title"] == "Friction"
    assert kept.json()["objectives"] == ["Explain friction"]
    unknown = await api.client.patch(
        f"/api/v1/curricula/lessons/{uuid.uuid4()}", json={}, headers=teacher.headers
    )
    # If-Match is required, before anything is looked up: 428 Precondition Required (RFC 6585)
    assert unknown.status_code == 428, unknown.text


async def test_an_address_at_a_reserved_test_domain_can_register(api: Api) -> None:
    # Accepted by the request schema, it then failed the e-mail event's own check (500).
    for role in ("teacher", "student"):
        registered = await api.register(role, email=f"{role}-{uuid.uuid4().hex[:8]}@school.test")
        assert registered.status_code == 201, registered.text
