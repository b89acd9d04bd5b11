"""Mastery through the running app: objectives follow lesson edits, a graded answer event moves
``/api/v1/me/mastery`` (and a teacher's regrade moves it again), a teacher reads their student's."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update

from core.curriculum.models import AssessmentItem, ItemKind, LearningObjective
from platform_api.assessments.events import ANSWER_GRADED, AnswerGraded, record
from platform_api.assessments.models import (
    ExamSitting,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.mastery import bkt
from platform_api.mastery.objectives import objective_of
from platform_api.mastery.settings import MasterySettings
from tests.curriculum.test_lessons import make_course, make_lesson
from tests.fixtures.app import Account, Api


async def _objectives(api: Api, lesson_id: str) -> list[tuple[int, str, uuid.UUID]]:
    async with api.stores.database.session() as session:
        rows = await session.execute(
            select(LearningObjective.position, LearningObjective.text, LearningObjective.id)
            .where(LearningObjective.lesson_id == uuid.UUID(lesson_id))
            .order_by(LearningObjective.position)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _edit(api: Api, teacher: Account, lesson_id: str, etag: str, body: dict) -> str:
    edited = await api.client.patch(
        f"/api/v1/curricula/lessons/{lesson_id}",
        headers={**teacher.headers, "If-Match": etag},
        json=body,
    )
    assert edited.status_code == 200, edited.text
    return edited.headers["ETag"]


async def _item(api: Api, lesson_id: str, course_id: str) -> AssessmentItem:
    async with api.stores.database.session() as session:
        item = AssessmentItem(
            lesson_id=uuid.UUID(lesson_id),
            course_id=uuid.UUID(course_id),
            kind=ItemKind.NUMERIC,
            prompt="μ for 3 N on 10 N?",
            answer="0.3",
        )
        session.add(item)
        await session.commit()
        return item


async def test_objectives_follow_lesson_edits_and_every_item_maps(api: Api) -> None:
    teacher = await api.account("teacher")
    course_id, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    ((_, text, first_id),) = await _objectives(api, lesson_id)
    assert text == "Explain friction"

    objectives = ["Explain friction", "Measure a friction coefficient"]
    etag = await _edit(api, teacher, lesson_id, etag, {"objectives": objectives})
    rows = await _objectives(api, lesson_id)
    assert [(p, t) for p, t, _ in rows] == [(0, objectives[0]), (1, objectives[1])]
    assert rows[0][2] == first_id  # an objective kept at its position keeps its id (and mastery)

    await _edit(api, teacher, lesson_id, etag, {"objectives": []})
    assert await _objectives(api, lesson_id) == [(0, "Friction", first_id)]  # the lesson's title

    item = await _item(api, lesson_id, course_id)
    async with api.stores.database.session() as session:
        await session.execute(
            LearningObjective.__table__.delete().where(
                LearningObjective.lesson_id == uuid.UUID(lesson_id)
            )
        )
        await session.commit()
        mapped = await objective_of(session, item)  # recreated from the lesson
        await session.commit()
    assert mapped is not None and mapped.text == "Friction"


async def _graded_response(
    api: Api, learner: Account, item: AssessmentItem, correct: bool, minute: int
) -> Response:
    answered_at = datetime(2026, 9, 1, 9, minute, tzinfo=UTC)
    async with api.stores.database.session() as session:
        sitting = ExamSitting(
            learner_id=learner.id,
            course_id=item.course_id,
            is_exam=False,
            status=SittingStatus.GRADED,
            ended_at=answered_at,
        )
        session.add(sitting)
        await session.flush()
        response = Response(
            sitting_id=sitting.id,
            item_id=item.id,
            item_version=item.version,
            answer="0.3" if correct else "3",
            answered_at=answered_at,
            grading_status=GradingStatus.GRADED,
            points=1.0 if correct else 0.0,
            correct=correct,
            graded_by=GradeSource.RULE,
            grade_version=1,
            graded_at=answered_at,
        )
        session.add(response)
        await session.flush()
        _announce(session, learner, sitting, response)
        await session.commit()
        return response


def _announce(session, learner: Account, sitting: ExamSitting, response: Response) -> None:  # type: ignore[no-untyped-def]
    """What the grading saga records with each grade (the assignment id is not read here)."""
    record(
        session,
        ANSWER_GRADED,
        AnswerGraded(
            response_id=response.id,
            sitting_id=sitting.id,
            assignment_id=uuid.uuid4(),
            learner_id=learner.id,
            course_id=sitting.course_id,
            item_id=response.item_id,
            item_version=response.item_version,
            objective_id=None,
            grade_version=response.grade_version,
            points=response.points or 0.0,
            max_points=1.0,
            correct=bool(response.correct),
            source=response.graded_by.value if response.graded_by else "rule",
            answered_at=response.answered_at,
            graded_at=response.graded_at or response.answered_at,
            time_spent_ms=None,
        ),
    )


async def _mastery_once(api: Api, account: Account, answers: int, correct: int) -> list[dict]:
    """Poll /me/mastery until the consumer has applied that many answers, so many right."""
    for _ in range(200):
        listed = await api.client.get("/api/v1/me/mastery", headers=account.headers)
        assert listed.status_code == 200, listed.text
        shown = listed.json()
        if shown and (shown[0]["answers"], shown[0]["correct"]) == (answers, correct):
            return listed.json()
        await asyncio.sleep(0.05)
    raise AssertionError(f"mastery never showed {correct} of {answers} right: {listed.json()}")


async def test_me_mastery_follows_graded_answers_and_a_regrade(api: Api) -> None:
    teacher, learner, stranger = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("student"),
    )
    course_id, unit_id = await make_course(api, teacher)
    lesson_id, _ = await make_lesson(api, teacher, unit_id)
    item = await _item(api, lesson_id, course_id)
    assert (await api.client.get("/api/v1/me/mastery", headers=learner.headers)).json() == []

    await _graded_response(api, learner, item, True, minute=0)
    wrong = await _graded_response(api, learner, item, False, minute=5)
    (entry,) = await _mastery_once(api, learner, answers=2, correct=1)
    defaults = MasterySettings().defaults
    assert entry["answers"] == 2 and entry["fitted"] is False
    assert entry["p_known"] == bkt.trace([True, False], defaults)
    assert (entry["objective"], entry["course_id"]) == ("Explain friction", course_id)
    assert entry["mastered"] is False

    async with api.stores.database.session() as session:  # a teacher's override, as C records it
        await session.execute(
            update(Response)
            .where(Response.id == wrong.id)
            .values(correct=True, points=1.0, graded_by=GradeSource.TEACHER, grade_version=2)
        )
        wrong.correct, wrong.grade_version, wrong.graded_by = True, 2, GradeSource.TEACHER
        sitting = await session.get(ExamSitting, wrong.sitting_id)
        assert sitting is not None
        _announce(session, learner, sitting, wrong)
        await session.commit()
    (entry,) = await _mastery_once(api, learner, answers=2, correct=2)
    assert entry["p_known"] == bkt.trace([True, True], defaults)

    class_id = (
        await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "7B"})
    ).json()["id"]
    await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        headers=teacher.headers,
        json={"student_email": learner.email},
    )
    path = f"/api/v1/users/{learner.id}/mastery"
    seen = await api.client.get(path, headers=teacher.headers)
    assert seen.status_code == 200 and seen.json() == [entry]
    assert (await api.client.get(path, headers=stranger.headers)).status_code == 403
    unknown = await api.client.get(f"/api/v1/users/{uuid.uuid4()}/mastery", headers=teacher.headers)
    assert unknown.status_code == 404
