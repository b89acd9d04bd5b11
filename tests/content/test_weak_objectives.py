"""Generation jobs that target a class's weakest objectives, through the API and ``wc generate``.

Mastery states are written with the ORM (the BKT updates that produce them are tested in
tests/mastery); nothing is generated here: the stored topics are what a runner would work on.
"""

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core.curriculum.models import Course, LearningObjective
from core.infra.database import Database
from platform_api.auth.models import Role, User
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.content.models import ContentTopic
from platform_api.mastery.models import MasteryState
from platform_api.mastery.weakness import class_weakest_objectives
from tests.fixtures.app import Api
from tests.fixtures.cli import run_wc
from tests.rag.factories import LessonSpec, make_course

OBJECTIVES = (
    "Explain why evaporation cools a surface",  # weakest: 0.2 and 0.3
    "Name the three states of water",  # 0.5 and 0.97; a learner who never answered is not counted
    "Describe how clouds form",  # mastered by the class; an outsider's 0.01 is not counted
    "Read a rain gauge",  # nobody answered: unknown, not weak
)


@dataclass
class WeakClass:
    class_id: uuid.UUID
    course_id: uuid.UUID
    objective_ids: list[uuid.UUID]


async def _learner(database: Database) -> uuid.UUID:
    async with database.session() as session:
        user = User(
            email=f"learner-{uuid.uuid4().hex[:10]}@example.org",
            display_name="A learner",
            role=Role.STUDENT,
        )
        session.add(user)
        await session.commit()
        return user.id


async def weak_class(database: Database, teacher_id: uuid.UUID) -> WeakClass:
    """A class of three learners on a course of the teacher's, with mastery as in OBJECTIVES."""
    lessons = [LessonSpec(title="Evaporation", body="..."), LessonSpec(title="Clouds", body="...")]
    async with database.session() as session:
        record = await make_course(session, "The water cycle", lessons)
    a, b, silent, outsider = [await _learner(database) for _ in range(4)]
    async with database.session() as session:
        course = await session.get(Course, record.course_id)
        assert course is not None
        course.owner_id = teacher_id
        school_class = SchoolClass(name="7B", teacher_id=teacher_id)
        session.add(school_class)
        await session.flush()
        session.add(ClassCourse(class_id=school_class.id, course_id=record.course_id))
        session.add_all(Enrollment(class_id=school_class.id, student_id=s) for s in (a, b, silent))
        objectives = [
            LearningObjective(
                course_id=record.course_id,
                lesson_id=record.lesson_ids[number // 2],
                position=number % 2,
                text=text,
            )
            for number, text in enumerate(OBJECTIVES)
        ]
        session.add_all(objectives)
        await session.flush()
        states = [
            (a, 0, 0.2, 4),
            (b, 0, 0.3, 3),
            (a, 1, 0.5, 2),
            (b, 1, 0.97, 6),
            (silent, 1, 0.1, 0),
            (a, 2, 0.98, 5),
            (b, 2, 0.99, 5),
            (outsider, 2, 0.01, 9),
            (silent, 3, 0.05, 0),
        ]
        session.add_all(
            MasteryState(
                learner_id=learner,
                objective_id=objectives[index].id,
                p_known=p_known,
                answers=answers,
                correct=answers // 2,
            )
            for learner, index, p_known, answers in states
        )
        await session.commit()
        return WeakClass(school_class.id, record.course_id, [o.id for o in objectives])


async def _stored_topics(database: Database, job_id: str) -> list[tuple[str, list[str], object]]:
    async with database.session() as session:
        topics = await session.scalars(
            select(ContentTopic)
            .where(ContentTopic.job_id == uuid.UUID(job_id))
            .order_by(ContentTopic.row)
        )
        return [(t.topic, t.objectives, t.objective_id) for t in topics]


async def test_a_job_for_a_class_targets_its_weakest_objectives(api: Api) -> None:
    teacher = await api.account("teacher")
    database = api.stores.database
    seeded = await weak_class(database, teacher.id)
    async with database.session() as session:
        weakest = await class_weakest_objectives(session, seeded.class_id, 10)
    assert [(w.text, w.learners, round(w.p_known, 3)) for w in weakest] == [
        (OBJECTIVES[0], 2, 0.25),
        (OBJECTIVES[1], 2, 0.735),
    ]
    assert weakest[0].lesson_title == "Evaporation"

    body = {
        "course_id": str(seeded.course_id),
        "weak_objectives_of_class": {"class_id": str(seeded.class_id), "count": 5},
    }
    created = await api.client.post("/api/v1/content/jobs", json=body, headers=teacher.headers)
    assert created.status_code == 202, created.text
    assert created.json()["total"] == 2
    assert await _stored_topics(database, created.json()["id"]) == [
        (OBJECTIVES[0], [OBJECTIVES[0]], seeded.objective_ids[0]),
        (OBJECTIVES[1], [OBJECTIVES[1]], seeded.objective_ids[1]),
    ]
    listed = await api.client.get(
        f"/api/v1/content/jobs/{created.json()['id']}/topics", headers=teacher.headers
    )
    assert listed.status_code == 200, listed.text
    assert [t["objective_id"] for t in listed.json()] == [str(i) for i in seeded.objective_ids[:2]]

    one = {**body, "weak_objectives_of_class": {"class_id": str(seeded.class_id), "count": 1}}
    weakest_only = await api.client.post("/api/v1/content/jobs", json=one, headers=teacher.headers)
    assert await _stored_topics(database, weakest_only.json()["id"]) == [
        (OBJECTIVES[0], [OBJECTIVES[0]], seeded.objective_ids[0])
    ]


async def test_weak_objective_jobs_refuse_bad_requests(api: Api) -> None:
    teacher, other = await api.account("teacher"), await api.account("teacher")
    seeded = await weak_class(api.stores.database, teacher.id)

    async def create(target: dict[str, object], headers: dict[str, str]) -> tuple[int, str]:
        body = {"course_id": str(seeded.course_id), **target}
        response = await api.client.post("/api/v1/content/jobs", json=body, headers=headers)
        return response.status_code, response.json()["error"]["code"]

    def weak(class_id: uuid.UUID, count: object = 3) -> dict[str, object]:
        return {"weak_objectives_of_class": {"class_id": str(class_id), "count": count}}

    assert await create(weak(uuid.uuid4()), teacher.headers) == (404, "not_found")
    assert await create(weak(seeded.class_id), other.headers) == (403, "forbidden")
    for count in (0, 51, "many"):
        assert (await create(weak(seeded.class_id, count), teacher.headers))[0] == 422
    both = {**weak(seeded.class_id), "topics": [{"topic": "Rain"}]}
    assert await create(both, teacher.headers) == (422, "validation_error")
    assert await create({}, teacher.headers) == (422, "validation_error")
    # A class with no answers below mastery: nothing to target.
    async with api.stores.database.session() as session:
        empty = SchoolClass(name="8A", teacher_id=teacher.id)
        session.add(empty)
        await session.commit()
    assert await create(weak(empty.id), teacher.headers) == (409, "no_weak_objectives")
    async with api.stores.database.session() as session:
        assert await session.scalar(select(ContentTopic.id).limit(1)) is None  # nothing stored


async def test_wc_generate_for_a_class_submits_its_weakest_objectives(
    api: Api, database_url_for_test: str
) -> None:
    teacher = await api.account("teacher")
    await api.account("admin")  # the operator the command acts as
    seeded = await weak_class(api.stores.database, teacher.id)
    args = ["generate", "--class", str(seeded.class_id), "--weak-objectives", "1"]
    submitted = await run_wc(database_url_for_test, *args, "--detach", "--json")
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    job = json.loads(submitted.stdout)
    assert job["course_id"] == str(seeded.course_id) and job["total"] == 1
    assert await _stored_topics(api.stores.database, job["id"]) == [
        (OBJECTIVES[0], [OBJECTIVES[0]], seeded.objective_ids[0])
    ]
    again = await run_wc(database_url_for_test, *args, "--detach", "--json")
    assert json.loads(again.stdout)["id"] == job["id"]  # the same weak objectives: the same job
