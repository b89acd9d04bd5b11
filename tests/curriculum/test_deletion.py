"""Deleting lessons and courses removes rows, files and cached copies, and tells consumers."""

from sqlalchemy import select

from core.curriculum.events import COURSE_DELETED, LESSON_DELETED
from core.infra.outbox_models import OutboxEvent
from tests.curriculum.test_lessons import make_course, make_lesson, publish
from tests.fixtures.app import Api
from tests.fixtures.media import tiny_png


async def _event_types(api: Api) -> list[str]:
    async with api.stores.database.session() as session:
        return list(await session.scalars(select(OutboxEvent.type)))


async def test_deleting_a_published_lesson_removes_it_everywhere(api: Api) -> None:
    teacher, student, other = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("teacher"),
    )
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    with_file = await api.client.post(
        f"/api/v1/curricula/lessons/{lesson_id}/assets",
        headers={**teacher.headers, "If-Match": etag},
        files={"file": ("d.png", tiny_png(), "image/png")},
    )
    etag = await publish(api, teacher, lesson_id, with_file.headers["ETag"])
    url = f"/api/v1/curricula/lessons/{lesson_id}"
    assert (await api.client.get(url, headers=student.headers)).status_code == 200  # now cached

    refused = await api.client.delete(url, headers={**other.headers, "If-Match": etag})
    assert refused.status_code == 403
    deleted = await api.client.delete(url, headers={**teacher.headers, "If-Match": etag})
    assert deleted.status_code == 204
    assert (await api.client.get(url, headers=student.headers)).status_code == 404
    assert await api.stores.objects.list_keys(f"lessons/{lesson_id}/") == []
    assert LESSON_DELETED in await _event_types(api)


async def test_deleting_a_course_removes_its_lessons(api: Api) -> None:
    teacher = await api.account("teacher")
    course_id, unit_id = await make_course(api, teacher)
    lesson_id, _ = await make_lesson(api, teacher, unit_id)
    deleted = await api.client.delete(
        f"/api/v1/curricula/courses/{course_id}", headers=teacher.headers
    )
    assert deleted.status_code == 204
    gone = await api.client.get(f"/api/v1/curricula/lessons/{lesson_id}", headers=teacher.headers)
    assert gone.status_code == 404
    assert COURSE_DELETED in await _event_types(api)
