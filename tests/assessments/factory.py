"""Test data through the API: a class with learners, a course lesson with items, assignments."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select

from core.infra.outbox_models import OutboxEvent
from platform_api.assessments.clock import server_now
from platform_api.assessments.models import Response
from platform_api.auth.models import Role, User
from platform_api.auth.tokens import issue_access_token
from tests.fixtures.app import Account, Api


@dataclass
class Classroom:
    teacher: Account
    learners: list[Account]
    class_id: str
    course_id: str
    lesson_id: str
    items: dict[str, str] = field(default_factory=dict)  # name → item id


async def account(api: Api, role: str = "student") -> Account:
    """A signed-in account made at the service level: a password hash costs 0.3 s of CPU, and
    registering and logging in are tested elsewhere (tests/auth)."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.org"
    user = User(id=uuid.uuid4(), email=email, display_name=f"A {role}", role=Role(role))
    async with api.stores.database.session() as session:
        session.add(user)
        await session.commit()
    settings = api.settings
    token = issue_access_token(
        api.stores.signing_key, settings.jwt_issuer, user.id, user.role, 3600
    )
    return Account(user.id, email, role, token, "")


def mc_item(lesson_id: str, prompt: str, answer: str = "b") -> dict[str, Any]:
    return {
        "lesson_id": lesson_id,
        "kind": "multiple_choice",
        "prompt": prompt,
        "options": [{"text": t} for t in ("north", "south", "east", "west")],
        "answer": answer,
        "solution": "South, by the definition.",
    }


NUMERIC_ITEM = {
    "kind": "numeric",
    "prompt": "A 2 kg mass accelerates at 3 m/s². What net force acts on it?",
    "numeric": {"answer": 6.0, "tolerance": 0.1, "unit": "N"},
}
SHORT_ITEM = {
    "kind": "short_answer",
    "prompt": "Why does a ball rolling on grass slow down?",
    "short_answer": {
        "model_answer": "Friction between the ball and the grass opposes its motion.",
        "rubric": [
            {"criterion": "Names friction", "points": 1},
            {"criterion": "Says it opposes the motion", "points": 2},
        ],
    },
}


async def created(api: Api, account: Account, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post(path, headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


Create = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def friction_lesson(create: Create) -> tuple[str, str]:
    """(course id, lesson id) of a new course "Physics" with one unit and one lesson,
    "Friction", made through ``create`` (a POST as a teacher that returns the created body)."""
    curriculum = await create("/api/v1/curricula", {"title": "Science"})
    course = await create(f"/api/v1/curricula/{curriculum['id']}/courses", {"title": "Physics"})
    unit = await create(f"/api/v1/curricula/courses/{course['id']}/units", {"title": "Forces"})
    lesson = await create(
        f"/api/v1/curricula/units/{unit['id']}/lessons",
        {"title": "Friction", "body_markdown": "Friction opposes motion.", "objectives": []},
    )
    return course["id"], lesson["id"]


@dataclass
class TeachingCourse:
    """A teacher's course: one lesson ("Friction", its title its one objective) with items."""

    course_id: str
    lesson_id: str
    items: dict[str, str]  # name → item id


async def teaching_course(api: Api, teacher: Account, mc_items: int = 2) -> TeachingCourse:
    """A course written by ``teacher``: ``mc_items`` multiple-choice items (the key "b",
    "south"), a numeric and a short-answer item under its lesson."""
    course_id, lesson_id = await friction_lesson(partial(created, api, teacher))
    items = {}
    for number in range(mc_items):
        body = mc_item(lesson_id, f"Question {number}: which way does a compass point?")
        items[f"mc{number}"] = (await created(api, teacher, "/api/v1/items", body))["id"]
    for name, body in (("numeric", NUMERIC_ITEM), ("short", SHORT_ITEM)):
        item = await created(api, teacher, "/api/v1/items", {**body, "lesson_id": lesson_id})
        items[name] = item["id"]
    return TeachingCourse(course_id, lesson_id, items)


async def classroom(api: Api, learners: int = 2, mc_items: int = 2) -> Classroom:
    """A teacher's class of learners following a course whose lesson has mixed items."""
    teacher = await account(api, "teacher")
    course = await teaching_course(api, teacher, mc_items)
    school_class = await created(api, teacher, "/api/v1/classes", {"name": "7B"})
    room = Classroom(teacher, [], school_class["id"], course.course_id, course.lesson_id)
    assigned = await api.client.post(
        f"/api/v1/classes/{room.class_id}/courses",
        headers=teacher.headers,
        json={"course_id": room.course_id},
    )
    assert assigned.status_code == 200, assigned.text
    for _ in range(learners):
        room.learners.append(await enrolled_learner(api, room))
    room.items.update(course.items)
    return room


async def enrolled_learner(api: Api, room: Classroom) -> Account:
    return await enrol(api, room, await account(api, "student"))


async def enrol(api: Api, room: Classroom, learner: Account) -> Account:
    """``learner`` added to the class by its teacher."""
    enrolled = await api.client.post(
        f"/api/v1/classes/{room.class_id}/students",
        headers=room.teacher.headers,
        json={"student_email": learner.email},
    )
    assert enrolled.status_code == 200, enrolled.text
    return learner


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def exam(
    api: Api, room: Classroom, *, duration: int = 120, opens_in: int = -60, **extra: Any
) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "class_id": room.class_id,
        "title": "Forces test",
        "kind": "exam",
        "item_ids": list(room.items.values()),
        "opens_at": iso(now + timedelta(seconds=opens_in)),
        "closes_at": iso(now + timedelta(hours=2)),
        "duration_seconds": duration,
        "shuffle_seed": 20261201,
        **extra,
    }
    return await created(api, room.teacher, "/api/v1/assignments", body)


async def homework(api: Api, room: Classroom, **extra: Any) -> dict[str, Any]:
    body = {
        "class_id": room.class_id,
        "title": "Friction homework",
        "kind": "homework",
        "lesson_id": room.lesson_id,
        "due_at": iso(datetime.now(UTC) + timedelta(days=2)),
        **extra,
    }
    return await created(api, room.teacher, "/api/v1/assignments", body)


async def start(api: Api, learner: Account, assignment_id: str) -> dict[str, Any]:
    return await created(api, learner, "/api/v1/sittings", {"assignment_id": assignment_id})


def set_clock(api: Api, moment: datetime | None) -> None:
    """Move the server's clock (``server_now``) to ``moment``; None gives the real clock back."""
    if moment is None:
        api.app.dependency_overrides.pop(server_now, None)
    else:
        api.app.dependency_overrides[server_now] = lambda: moment


async def response_rows(api: Api, sitting_id: str) -> list[Response]:
    async with api.stores.database.session() as session:
        rows = await session.scalars(
            select(Response).where(Response.sitting_id == uuid.UUID(sitting_id))
        )
        return list(rows)


async def events_of(api: Api, event_type: str) -> list[dict[str, Any]]:
    async with api.stores.database.session() as session:
        rows = await session.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.type == event_type)
            .order_by(OutboxEvent.occurred_at)
        )
        return list(rows)


async def count(api: Api, table: Any) -> int:
    async with api.stores.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)
