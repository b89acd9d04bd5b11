"""The course catalogue: a learner finds the courses with something to read; an editor also
finds the courses they are still writing; lessons are counted as each can read them."""

from tests.curriculum.test_lessons import make_lesson, publish
from tests.fixtures.app import Account, Api


async def new_course(api: Api, teacher: Account, curriculum_id: str, title: str) -> str:
    course = await api.client.post(
        f"/api/v1/curricula/{curriculum_id}/courses", headers=teacher.headers, json={"title": title}
    )
    assert course.status_code == 201, course.text
    return str(course.json()["id"])


async def catalogue(
    api: Api, account: Account, curriculum_id: str, **page: int
) -> list[tuple[str, int]]:
    response = await api.client.get(
        "/api/v1/curricula/courses",
        params={"curriculum_id": curriculum_id, **page},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    return [(c["title"], c["lessons"]) for c in response.json()]


async def test_learners_find_courses_with_published_lessons_and_editors_their_own(
    api: Api,
) -> None:
    teacher, student, admin = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("admin"),
    )
    curriculum = await api.client.post(
        "/api/v1/curricula", headers=teacher.headers, json={"title": "Science"}
    )
    curriculum_id = curriculum.json()["id"]
    physics = await new_course(api, teacher, curriculum_id, "Physics")
    await new_course(api, teacher, curriculum_id, "Astronomy")  # nothing written yet
    unit = await api.client.post(
        f"/api/v1/curricula/courses/{physics}/units", headers=teacher.headers, json={"title": "F"}
    )
    published, etag = await make_lesson(api, teacher, unit.json()["id"], "Friction")
    await publish(api, teacher, published, etag)
    await make_lesson(api, teacher, unit.json()["id"], "Drag")  # a draft

    assert await catalogue(api, student, curriculum_id) == [("Physics", 1)]
    assert await catalogue(api, teacher, curriculum_id) == [("Astronomy", 0), ("Physics", 2)]
    assert await catalogue(api, admin, curriculum_id) == [("Astronomy", 0), ("Physics", 2)]
    assert await catalogue(api, teacher, curriculum_id, limit=1, offset=1) == [("Physics", 2)]
    other = await api.account("teacher")
    assert await catalogue(api, other, curriculum_id) == [("Physics", 1)]


async def test_a_page_out_of_bounds_is_refused_with_its_code(api: Api) -> None:
    student = await api.account("student")
    response = await api.client.get(
        "/api/v1/curricula/courses", params={"limit": 0}, headers=student.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    unsigned = await api.client.get("/api/v1/curricula/courses")
    assert unsigned.status_code == 401
