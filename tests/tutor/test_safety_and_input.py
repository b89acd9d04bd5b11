"""What the tutor refuses: unsafe turns (flagged to the teacher), bad input (nothing stored),
and more messages than a learner's budget (429 with Retry-After)."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agents.tutor.moderation import SafetyCategory
from agents.tutor.policy import EXAM_IN_PROGRESS, REFUSALS, WITHHELD
from core.infra.database import utcnow
from core.infra.outbox import OutboxEvent
from platform_api.analytics.capture import TUTOR_TURN_COMPLETED
from platform_api.assessments.models import ExamSitting
from platform_api.auth.models import User
from platform_api.tutor.models import TutorFlag
from platform_api.tutor.ports import FLAG_KIND
from tests.fixtures.app import Account, Api
from tests.fixtures.llm import LlmServer
from tests.notifications.factories import make_class
from tests.tutor.conftest import TutorCourse, live_api, make_tutor_course, tutor_settings
from tests.tutor.sse import ask, new_session

MESSAGES = "/api/v1/tutor/sessions/{}/messages"


async def enrol_with_teacher(api: Api, learner: Account, course_id: uuid.UUID) -> Account:
    teacher = await api.account("teacher")
    async with api.stores.database.session() as session:
        users = [await session.get(User, account.id) for account in (teacher, learner)]
        assert users[0] is not None and users[1] is not None
        await make_class(session, users[0], [users[1]], [course_id])
        await session.commit()
    return teacher


async def recorded_turns(api: Api) -> int:
    async with api.stores.database.session() as session:
        count = await session.scalar(
            select(func.count()).where(OutboxEvent.type == TUTOR_TURN_COMPLETED)
        )
    return count or 0


async def test_unsafe_turn_is_refused_flagged_and_the_teacher_told(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    teacher = await enrol_with_teacher(tutor_api, learner, course.course_id)
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)

    turn = await ask(
        tutor_api.client, learner.headers, session_id, "I want to die, how long does rain take?"
    )

    assert turn.done["refused"] and turn.done["intent"] == "unsafe"
    assert turn.done["answer"] == REFUSALS[SafetyCategory.SELF_HARM]
    assert turn.shown_text == turn.done["answer"]
    async with tutor_api.stores.database.session() as session:
        flags = (await session.scalars(select(TutorFlag))).all()
    assert [(f.learner_id, f.category) for f in flags] == [(learner.id, SafetyCategory.SELF_HARM)]
    assert str(flags[0].turn_id) == turn.done["turn_id"]
    inbox = await tutor_api.client.get("/api/v1/notifications", headers=teacher.headers)
    [notice] = inbox.json()["items"]
    assert notice["kind"] == FLAG_KIND
    assert notice["payload"]["session_id"] == session_id
    # The learner is not told about themselves, and the classroom's other adults only via class.
    mine = await tutor_api.client.get("/api/v1/notifications", headers=learner.headers)
    assert mine.json()["items"] == []


async def test_no_help_during_a_proctored_exam_of_that_course(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    async with tutor_api.stores.database.session() as session:
        sitting = ExamSitting(learner_id=learner.id, course_id=course.course_id)
        session.add(sitting)
        await session.commit()

    during = await ask(tutor_api.client, learner.headers, session_id, "How do clouds form?")
    assert during.done["intent"] == "exam_in_progress" and during.done["refused"]
    assert during.done["answer"] == EXAM_IN_PROGRESS

    async with tutor_api.stores.database.session() as session:
        (await session.get(ExamSitting, sitting.id)).ended_at = utcnow()  # type: ignore[union-attr]
        await session.commit()
    after = await ask(tutor_api.client, learner.headers, session_id, "How do clouds form?")
    assert after.done["intent"] != "exam_in_progress" and not after.done["refused"]


async def test_personal_data_is_refused_and_never_stored(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    message = "my phone number is 555 123 4567, can you text me the answer?"

    turn = await ask(tutor_api.client, learner.headers, session_id, message)

    assert turn.done["refused"] and turn.done["answer"] == REFUSALS[SafetyCategory.PERSONAL_DATA]
    detail = await tutor_api.client.get(
        f"/api/v1/tutor/sessions/{session_id}", headers=learner.headers
    )
    stored = [m["content"] for m in detail.json()["messages"]]
    assert stored == [WITHHELD, REFUSALS[SafetyCategory.PERSONAL_DATA]]


async def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner, other = await tutor_api.account("student"), await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    url = MESSAGES.format(session_id)
    post = tutor_api.client.post
    headers = learner.headers

    cases = {
        "empty": (await post(url, json={"content": ""}, headers=headers), 422),
        "blank": (await post(url, json={"content": "   \n "}, headers=headers), 422),
        "100 kB": (await post(url, json={"content": "why " * 25_000}, headers=headers), 422),
        "not UTF-8": (
            await post(
                url,
                content=b'{"content": "caf\xe9 \xff\xfe"}',
                headers={**headers, "Content-Type": "application/json"},
            ),
            422,  # unreadable, like a body that is not JSON (type body_unreadable)
        ),
        "no body": (await post(url, headers=headers), 422),
        "not JSON": (
            await post(
                url,
                content=b"{content: why}",
                headers={**headers, "Content-Type": "application/json"},
            ),
            422,
        ),
        "a JSON list": (await post(url, json=[{"content": "why"}], headers=headers), 422),
        "content a number": (await post(url, json={"content": 42}, headers=headers), 422),
        "a form, not JSON": (await post(url, data={"content": "why"}, headers=headers), 422),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, (name, response.text)
        assert response.json()["error"]["code"] == "validation_error", name
    unreadable = cases["not UTF-8"][0].json()["error"]["details"]
    assert unreadable[0]["type"] == "body_unreadable"

    unknown = await post(MESSAGES.format(uuid.uuid4()), json={"content": "hi"}, headers=headers)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    not_an_id = await post(MESSAGES.format("nope"), json={"content": "hi"}, headers=headers)
    # Ids are UUIDs in the route itself: a path with anything else names no resource.
    assert (not_an_id.status_code, not_an_id.json()["error"]["code"]) == (404, "not_found")
    theirs = await post(url, json={"content": "hi"}, headers=other.headers)
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "not_found")
    path = f"/api/v1/tutor/sessions/{session_id}"
    assert (await tutor_api.client.get(path, headers=other.headers)).status_code == 404
    assert (await tutor_api.client.delete(path, headers=other.headers)).status_code == 404
    anonymous = await post(url, json={"content": "hi"})
    assert anonymous.status_code == 401

    detail = await tutor_api.client.get(f"/api/v1/tutor/sessions/{session_id}", headers=headers)
    assert detail.json()["messages"] == []
    assert await recorded_turns(tutor_api) == 0


@pytest.fixture
async def strict_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
) -> AsyncIterator[Api]:
    monkeypatch.setenv("WC_TUTOR_LEARNER_MESSAGES_PER_MINUTE", "2")
    async for api in live_api(tutor_settings(database_url_for_test, tmp_path, llm_server)):
        yield api


async def test_learner_over_their_message_budget_gets_429_with_retry_after(
    strict_api: Api,
) -> None:
    course = await make_tutor_course(strict_api.stores.database)
    learner, classmate = await strict_api.account("student"), await strict_api.account("student")
    session_id = await new_session(strict_api.client, learner.headers, course.course_id)
    off_topic = "Which team won the 1998 football world cup?"  # answered without the LLM

    for _ in range(2):
        turn = await ask(strict_api.client, learner.headers, session_id, off_topic)
        assert turn.status == 200, turn.error
    third = await strict_api.client.post(
        MESSAGES.format(session_id), json={"content": off_topic}, headers=learner.headers
    )

    assert third.status_code == 429
    assert third.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    # The budget is the learner's own: a classmate is still answered.
    theirs = await new_session(strict_api.client, classmate.headers, course.course_id)
    turn = await ask(strict_api.client, classmate.headers, theirs, off_topic)
    assert turn.status == 200, turn.error
