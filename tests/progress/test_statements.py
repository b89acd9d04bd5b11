"""Learning statements: every source event becomes one xAPI statement; exported; erased."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.infra.bus import Event
from platform_api.analytics.capture import TUTOR_TURN_COMPLETED
from platform_api.assessments.events import ANSWER_GRADED
from platform_api.assessments.models import Response
from tests.analytics.factories import make_turn
from tests.fixtures.app import Api
from tests.infra.bus_support import eventually
from tests.progress.factories import (
    answer_graded,
    make_assignment,
    make_course,
    make_graded_sitting,
    statements_of,
    wait_for_statements,
)


async def test_lesson_events_through_the_api_become_statements(api: Api) -> None:
    teacher, learner = await api.account("teacher"), await api.account("student")
    async with api.stores.database.session() as session:
        course = await make_course(session, teacher.id, lessons=1)
    lesson = course.lessons[0]
    for event in ("viewed", "completed"):
        recorded = await api.client.post(
            f"/api/v1/lessons/{lesson.id}/progress", headers=learner.headers, json={"event": event}
        )
        assert recorded.status_code == 204, recorded.text
    wrong = await api.client.post(
        f"/api/v1/lessons/{lesson.id}/progress", headers=learner.headers, json={"event": "liked"}
    )
    assert wrong.status_code == 422
    missing = await api.client.post(
        f"/api/v1/lessons/{uuid.uuid4()}/progress",
        headers=learner.headers,
        json={"event": "viewed"},
    )
    assert missing.status_code == 404
    teachers_view = await api.client.post(
        f"/api/v1/lessons/{lesson.id}/progress", headers=teacher.headers, json={"event": "viewed"}
    )
    assert teachers_view.status_code == 403

    await wait_for_statements(api, learner.id, 2)
    page = (await api.client.get("/api/v1/me/statements", headers=learner.headers)).json()
    assert page["total"] == 2
    [completed, viewed] = page["statements"]
    assert completed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert viewed["verb"]["display"] == {"en-US": "viewed"}
    assert completed["actor"]["account"]["name"] == str(learner.id)
    assert completed["object"]["id"] == f"urn:water-classroom:lesson:{lesson.id}"
    assert completed["object"]["definition"]["name"] == {"en-US": lesson.title}
    assert completed["context"]["extensions"] == {
        "urn:water-classroom:course_id": str(course.course_id)
    }
    assert completed["timestamp"].endswith("Z")


async def test_a_tutor_turn_becomes_a_statement(api: Api) -> None:
    learner = await api.account("student")
    turn = make_turn(learner_id=learner.id)
    await api.stores.bus.publish(
        Event(type=TUTOR_TURN_COMPLETED, payload=turn.model_dump(mode="json"))
    )
    rows = await wait_for_statements(api, learner.id, 1, verb="asked")
    assert rows[0]["object_id"] == str(turn.session_id)
    assert rows[0]["statement_id"] == str(turn.turn_id)


async def test_a_regraded_answer_is_one_statement_with_the_latest_grade(api: Api) -> None:
    teacher, learner = await api.account("teacher"), await api.account("student")
    created = await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "9"})
    class_id = uuid.UUID(created.json()["id"])
    answered_at = datetime.now(UTC) - timedelta(hours=1)
    async with api.stores.database.session() as session:
        course = await make_course(session, teacher.id, lessons=1)
        assignment = await make_assignment(session, class_id, course)
        sitting = await make_graded_sitting(
            session, assignment, learner.id, [(course.items[0], False)], answered_at
        )
    [answered] = await wait_for_statements(api, learner.id, 1, verb="answered")
    assert (answered["success"], answered["score_raw"], answered["revision"]) == (False, 0, 1)
    await wait_for_statements(api, learner.id, 1, verb="scored")
    await wait_for_statements(api, learner.id, 1, verb="submitted")

    # A teacher's override: the same response, grade version 2, redelivered twice.
    async with api.stores.database.session() as session:
        response = await session.scalar(select(Response).where(Response.sitting_id == sitting.id))
        assert response is not None
    override = answer_graded(
        response,
        sitting,
        course.items[0],
        grade_version=2,
        points=1.0,
        correct=True,
        source="teacher",
    )
    event = Event(type=ANSWER_GRADED, payload=override.model_dump(mode="json"))
    await api.stores.bus.publish(event)
    await api.stores.bus.publish(event)

    async def revised() -> bool:
        rows = await statements_of(api.stores.analytics, learner.id, "answered")
        return [row["revision"] for row in rows] == [2]

    await eventually(revised)
    [answered] = await statements_of(api.stores.analytics, learner.id, "answered")
    assert (answered["success"], answered["score_raw"]) == (True, 1)
    page = (await api.client.get("/api/v1/me/statements", headers=learner.headers)).json()
    xapi = next(s for s in page["statements"] if s["verb"]["display"]["en-US"] == "answered")
    assert xapi["result"] == {
        "success": True,
        "score": {"raw": 1, "max": 1, "min": 0, "scaled": 1},
        "duration": "PT4.200S",
    }
    assert xapi["context"]["extensions"]["urn:water-classroom:objective_id"] == str(
        course.objectives[0].id
    )


async def test_statements_are_exported_and_erased_with_the_account(api: Api) -> None:
    teacher = await api.account("teacher")
    erased, kept = await api.account("student"), await api.account("student")
    async with api.stores.database.session() as session:
        course = await make_course(session, teacher.id, lessons=1)
    lesson = course.lessons[0]
    for account in (erased, kept):
        await api.client.post(
            f"/api/v1/lessons/{lesson.id}/progress",
            headers=account.headers,
            json={"event": "viewed"},
        )
        await wait_for_statements(api, account.id, 1)

    export = (await api.client.get("/api/v1/users/me/export", headers=erased.headers)).json()
    [statement] = export["learning_statements"]
    assert statement["object"]["id"] == f"urn:water-classroom:lesson:{lesson.id}"

    assert (await api.client.delete("/api/v1/users/me", headers=erased.headers)).status_code == 204

    async def gone() -> bool:
        return await statements_of(api.stores.analytics, erased.id) == []

    await eventually(gone)
    assert len(await statements_of(api.stores.analytics, kept.id)) == 1
