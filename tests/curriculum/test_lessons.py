"""Curriculum flow: course → unit → lesson, versions, ETags, publishing, cache, search, events."""

import asyncio
import time
import uuid

from sqlalchemy import select

from core.curriculum.events import LESSON_PUBLISHED
from core.curriculum.models import Lesson
from core.infra.outbox_models import OutboxEvent
from platform_api.auth.admin import deactivate_account
from tests.fixtures.app import Account, Api


async def make_course(api: Api, teacher: Account) -> tuple[str, str]:
    curriculum = await api.client.post(
        "/api/v1/curricula",
        headers=teacher.headers,
        json={"title": "Science", "description": "Year 7"},
    )
    assert curriculum.status_code == 201, curriculum.text
    course = await api.client.post(
        f"/api/v1/curricula/{curriculum.json()['id']}/courses",
        headers=teacher.headers,
        json={"title": "Physics"},
    )
    assert course.status_code == 201, course.text
    unit = await api.client.post(
        f"/api/v1/curricula/courses/{course.json()['id']}/units",
        headers=teacher.headers,
        json={"title": "Forces", "group_title": "Mechanics"},
    )
    assert unit.status_code == 201, unit.text
    return course.json()["id"], unit.json()["id"]


async def make_lesson(
    api: Api,
    teacher: Account,
    unit_id: str,
    title: str = "Friction",
    body: str = "Friction opposes motion between surfaces.",
) -> tuple[str, str]:
    lesson = await api.client.post(
        f"/api/v1/curricula/units/{unit_id}/lessons",
        headers=teacher.headers,
        json={"title": title, "body_markdown": body, "objectives": ["Explain friction"]},
    )
    assert lesson.status_code == 201, lesson.text
    return lesson.json()["id"], lesson.headers["ETag"]


async def publish(api: Api, teacher: Account, lesson_id: str, etag: str) -> str:
    response = await api.client.post(
        f"/api/v1/curricula/lessons/{lesson_id}/status",
        headers={**teacher.headers, "If-Match": etag},
        json={"status": "published"},
    )
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def test_students_see_only_published_lessons(api: Api) -> None:
    teacher, student = await api.account("teacher"), await api.account("student")
    course_id, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    hidden = await api.client.get(f"/api/v1/curricula/lessons/{lesson_id}", headers=student.headers)
    assert hidden.status_code == 404
    outline = await api.client.get(
        f"/api/v1/curricula/courses/{course_id}", headers=student.headers
    )
    (unit,) = outline.json()["units"]
    assert (unit["title"], unit["group_title"], unit["lessons"]) == ("Forces", "Mechanics", [])

    await publish(api, teacher, lesson_id, etag)
    shown = await api.client.get(f"/api/v1/curricula/lessons/{lesson_id}", headers=student.headers)
    assert shown.status_code == 200
    assert shown.json()["status"] == "published"


async def test_a_cached_lesson_asks_what_the_declared_route_asks(api: Api) -> None:
    """A cache hit is answered by the route's shortcut (platform_api/http/routing.py): it must
    refuse whom the declared ``Principal`` refuses and leave header validation to the route."""
    teacher, student = await api.account("teacher"), await api.account("student")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    await publish(api, teacher, lesson_id, etag)
    url = f"/api/v1/curricula/lessons/{lesson_id}"
    assert (await api.client.get(url, headers=student.headers)).status_code == 200  # cached now

    anonymous = await api.client.get(url)
    assert anonymous.status_code == 401, anonymous.text
    forged = await api.client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert forged.json()["error"]["code"] == "invalid_token"
    too_long = await api.client.get(url, headers={**student.headers, "If-None-Match": "x" * 2001})
    assert too_long.status_code == 422, too_long.text
    async with api.stores.database.session() as session:
        await deactivate_account(session, api.stores.cache, student.email)
    closed = await api.client.get(url, headers=student.headers)
    assert closed.status_code == 401
    assert closed.json()["error"]["code"] == "invalid_token"


async def test_edit_needs_matching_if_match(api: Api) -> None:
    teacher = await api.account("teacher")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    url = f"/api/v1/curricula/lessons/{lesson_id}"
    missing = await api.client.patch(url, headers=teacher.headers, json={"title": "New"})
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    assert missing.json()["error"]["details"][0]["loc"] == ["header", "if-match"]
    first = await api.client.patch(
        url, headers={**teacher.headers, "If-Match": etag}, json={"title": "Static friction"}
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = await api.client.patch(
        url, headers={**teacher.headers, "If-Match": etag}, json={"title": "Lost update"}
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["current_etag"] == first.headers["ETag"]
    versions = await api.client.get(f"{url}/versions", headers=teacher.headers)
    assert [v["version"] for v in versions.json()] == [1, 2]
    assert versions.json()[1]["title"] == "Static friction"


async def test_another_teacher_cannot_edit(api: Api) -> None:
    owner, other = await api.account("teacher"), await api.account("teacher")
    _, unit_id = await make_course(api, owner)
    lesson_id, etag = await make_lesson(api, owner, unit_id)
    response = await api.client.patch(
        f"/api/v1/curricula/lessons/{lesson_id}",
        headers={**other.headers, "If-Match": etag},
        json={"title": "Hijacked"},
    )
    assert response.status_code == 403


async def test_publish_records_event_and_refreshes_cache(api: Api) -> None:
    teacher, student = await api.account("teacher"), await api.account("student")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    etag = await publish(api, teacher, lesson_id, etag)
    url = f"/api/v1/curricula/lessons/{lesson_id}"
    cached = await api.client.get(url, headers=student.headers)
    assert cached.headers["ETag"] == etag
    not_modified = await api.client.get(url, headers={**student.headers, "If-None-Match": etag})
    assert not_modified.status_code == 304

    edited = await api.client.patch(
        url,
        headers={**teacher.headers, "If-Match": etag},
        json={"body_markdown": "Friction converts motion into heat."},
    )
    assert edited.status_code == 200
    fresh = await api.client.get(url, headers=student.headers)
    assert fresh.json()["body_markdown"] == "Friction converts motion into heat."

    async with api.stores.database.session() as session:
        events = list(
            await session.scalars(select(OutboxEvent).where(OutboxEvent.type == LESSON_PUBLISHED))
        )
    assert sorted(e.payload["version"] for e in events if e.payload["lesson_id"] == lesson_id) == [
        2,
        3,
    ]
    deadline = time.monotonic() + 5
    while any(e.published_at is None for e in events) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        async with api.stores.database.session() as session:
            events = list(
                await session.scalars(
                    select(OutboxEvent).where(OutboxEvent.type == LESSON_PUBLISHED)
                )
            )
    assert all(e.published_at is not None for e in events)


async def test_invalid_transition_is_a_conflict(api: Api) -> None:
    teacher = await api.account("teacher")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    response = await api.client.post(
        f"/api/v1/curricula/lessons/{lesson_id}/status",
        headers={**teacher.headers, "If-Match": etag},
        json={"status": "draft"},
    )
    assert response.status_code == 409


async def test_full_text_search_paginates_and_hides_drafts(api: Api) -> None:
    teacher, student = await api.account("teacher"), await api.account("student")
    course_id, unit_id = await make_course(api, teacher)
    for n in range(5):
        lesson_id, etag = await make_lesson(
            api, teacher, unit_id, f"Gravity part {n}", "Gravity pulls masses toward each other."
        )
        if n < 3:
            await publish(api, teacher, lesson_id, etag)
    params = {"q": "gravity", "course_id": course_id, "limit": 2}
    page1 = await api.client.get("/api/v1/curricula/search", headers=student.headers, params=params)
    assert page1.status_code == 200
    assert page1.json()["total"] == 3
    assert len(page1.json()["items"]) == 2
    page2 = await api.client.get(
        "/api/v1/curricula/search", headers=student.headers, params={**params, "offset": 2}
    )
    ids = {h["lesson_id"] for h in page1.json()["items"] + page2.json()["items"]}
    assert len(ids) == 3
    as_owner = await api.client.get(
        "/api/v1/curricula/search", headers=teacher.headers, params=params
    )
    assert as_owner.json()["total"] == 5


async def test_unknown_lesson_is_404_with_error_shape(api: Api) -> None:
    student = await api.account("student")
    response = await api.client.get(
        f"/api/v1/curricula/lessons/{uuid.uuid4()}", headers=student.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_demo_course_loads_once(api: Api) -> None:
    from core.curriculum.models import Course
    from platform_api.demo.loader import load_demo_course

    async with api.stores.database.session() as session:
        first = await load_demo_course(session)
        second = await load_demo_course(session)
        lessons = list(await session.scalars(select(Lesson).where(Lesson.course_id == first.id)))
        courses = list(
            await session.scalars(select(Course).where(Course.source_key == first.source_key))
        )
    assert first.id == second.id
    assert len(courses) == 1
    assert len(lessons) == 4


async def test_the_prepared_demo_course_is_searchable_for_the_tutor(api: Api) -> None:
    """`wc run` prepares the demo course: its lessons are chunked and embedded, so that the tutor
    beside a demo lesson and a content job on the demo course find their material."""
    from platform_api.demo.loader import prepare_demo_course
    from rag.retrieve import search

    database = api.stores.database
    course_id = await prepare_demo_course(database)
    assert course_id == await prepare_demo_course(database)  # a restart loads nothing twice
    async with database.session() as session:
        lessons = set(await session.scalars(select(Lesson.id).where(Lesson.course_id == course_id)))
    hits = await search(database, "How does water vapour turn into clouds?", [course_id], k=3)
    assert hits, "the demo course has no chunks"
    assert {hit.lesson_id for hit in hits} <= lessons
    assert hits[0].lesson_title == "The water cycle", hits
