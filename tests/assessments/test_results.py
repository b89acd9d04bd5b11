"""Results show grades (written by grading) to the learner by the assignment's feedback timing."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from platform_api.assessments.models import ExamSitting, GradingStatus, Response, SittingStatus
from tests.assessments.factory import classroom, homework, set_clock, start
from tests.fixtures.app import Api


async def grade_everything(api: Api, sitting_id: str) -> None:
    """What the grading saga writes when it is done (the grading engineer owns the real one)."""
    sitting = uuid.UUID(sitting_id)
    async with api.stores.database.session() as session, session.begin():
        await session.execute(
            update(Response)
            .where(Response.sitting_id == sitting)
            .values(grading_status=GradingStatus.GRADED, points=1.0, correct=True, grade_version=1)
        )
        await session.execute(
            update(ExamSitting)
            .where(ExamSitting.id == sitting)
            .values(status=SittingStatus.GRADED, score=1.0, max_score=6.0)
        )


async def answer_id(api: Api, sitting_id: str) -> uuid.UUID:
    """The id of a one-answer sitting's answer, read from the database."""
    async with api.stores.database.session() as session:
        query = select(Response.id).where(Response.sitting_id == uuid.UUID(sitting_id))
        return (await session.scalars(query)).one()


async def test_feedback_timing_decides_when_grades_show(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner = room.learners[0]
    due = datetime.now(UTC) + timedelta(hours=1)
    released_at = {}
    for timing in ("immediate", "after_grading", "after_due"):
        assignment = await homework(api, room, feedback_timing=timing, due_at=due.isoformat())
        sitting = await start(api, learner, assignment["id"])
        await api.client.put(
            f"/api/v1/sittings/{sitting['id']}/answers/{room.items['mc0']}",
            headers=learner.headers,
            json={"answer": "b"},
        )
        await api.client.post(f"/api/v1/sittings/{sitting['id']}/submit", headers=learner.headers)
        path = f"/api/v1/sittings/{sitting['id']}/results"
        before = (await api.client.get(path, headers=learner.headers)).json()
        await grade_everything(api, sitting["id"])
        after = (await api.client.get(path, headers=learner.headers)).json()
        set_clock(api, due + timedelta(seconds=1))
        past_due = (await api.client.get(path, headers=learner.headers)).json()
        set_clock(api, None)
        released_at[timing] = (before["released"], after["released"], past_due["released"])
        teacher_view = (await api.client.get(path, headers=room.teacher.headers)).json()
        assert teacher_view["released"] and teacher_view["score"] == 1.0
        if after["released"]:
            graded = [i for i in after["items"] if i["item_id"] == room.items["mc0"]]
            assert graded[0]["points"] == 1.0 and graded[0]["correct"] is True
            # The answer's id, which a learner disputes the grade by.
            assert graded[0]["response_id"] == str(await answer_id(api, sitting["id"]))
        else:
            assert all(i["points"] is None for i in after["items"]) and after["score"] is None
    assert released_at == {
        "immediate": (True, True, True),
        "after_grading": (False, True, True),
        "after_due": (False, False, True),
    }
