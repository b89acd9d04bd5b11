"""The grading saga without the LLM: rule grades, redelivery, dead letters, the teacher's queue,
overrides and disputes, on the real app, database and bus."""

import asyncio
import uuid

from sqlalchemy import select

from core.infra.bus import Event
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from platform_api.assessments.events import ANSWER_GRADED, ASSESSMENT_GRADED, SITTING_SUBMITTED
from platform_api.assessments.models import GradeRevision, GradingStatus, Response, SittingStatus
from platform_api.grading.saga import ANSWER_CONSUMER, SUBMITTED_CONSUMER
from platform_api.notifications.models import Notification
from tests.fixtures.app import Api
from tests.grading.conftest import AppFactory, world_of
from tests.grading.factories import (
    MULTIPLE_CHOICE,
    NUMERIC,
    SHORT_MEAN,
    Answer,
    count_where,
    events_about,
    submitted_sitting,
    wait_for_sitting,
)

DONE = {SittingStatus.GRADED, SittingStatus.NEEDS_REVIEW, SittingStatus.GRADING_DELAYED}


async def revisions_of(api: Api, response_id: uuid.UUID) -> list[GradeRevision]:
    async with api.stores.database.session() as session:
        rows = await session.scalars(
            select(GradeRevision)
            .where(GradeRevision.response_id == response_id)
            .order_by(GradeRevision.version)
        )
        return list(rows)


async def wait_processed(api: Api, consumer: str, event_id: uuid.UUID) -> None:
    async def processed() -> bool:
        async with api.stores.database.session() as session:
            return bool(
                await count_where(
                    session,
                    ProcessedEvent.consumer == consumer,
                    ProcessedEvent.event_id == event_id,
                )
            )

    for _ in range(300):
        if await processed():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{consumer} never processed {event_id}")


async def test_rule_grades_at_once_and_one_assessment_graded_under_redelivery(
    grading_app: AppFactory,
) -> None:
    async with grading_app() as api:
        world = await world_of(api)
        database = api.stores.database
        answers = [
            Answer(MULTIPLE_CHOICE, "(B)"),
            Answer(NUMERIC, "5.004 m", points=2.0),
            Answer(NUMERIC, "5 kg"),
            Answer(NUMERIC, "five"),
        ]
        record = await submitted_sitting(database, world.room, answers)
        sitting = await wait_for_sitting(database, record.sitting_id, DONE)
        assert sitting.status is SittingStatus.GRADED
        assert (sitting.score, sitting.max_score) == (3.0, 5.0)
        points = [(await revisions_of(api, r))[0].points for r in record.responses]
        assert points == [1.0, 2.0, 0.0, 0.0]

        # Redelivery: the same event again, and a second submit event for the same sitting.
        async with database.session() as session:
            row = await session.scalar(
                select(OutboxEvent).where(
                    OutboxEvent.type == SITTING_SUBMITTED,
                    OutboxEvent.payload["sitting_id"].astext == str(record.sitting_id),
                )
            )
            assert row is not None
        same = Event(id=row.id, type=row.type, payload=row.payload)
        fresh = Event(type=row.type, payload=row.payload)
        await api.stores.bus.publish(same)
        await api.stores.bus.publish(fresh)
        await wait_processed(api, SUBMITTED_CONSUMER, fresh.id)
        await api.stores.relay.publish_pending()

        for response_id in record.responses:
            assert [r.version for r in await revisions_of(api, response_id)] == [1]
        graded = await events_about(database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id)
        assert [(e["score"], e["max_score"], e["grade_version"]) for e in graded] == [(3.0, 5.0, 1)]
        answered = await events_about(database, ANSWER_GRADED, "sitting_id", record.sitting_id)
        assert sorted(e["correct"] for e in answered) == [False, False, True, True]
        assert {e["grade_version"] for e in answered} == {1}
        async with database.session() as session:
            notes = await count_where(
                session,
                Notification.recipient_id == world.learner.id,
                Notification.kind == "assessment_graded",
            )
        assert notes == 1


async def test_a_poisoned_answer_dead_letters_and_the_sitting_shows_grading_delayed(
    grading_app: AppFactory,
) -> None:
    async with grading_app() as api:
        world = await world_of(api)
        database = api.stores.database
        # The learner answered version 2 of the item, which does not exist: grading it against
        # another version would be wrong, so its step fails every time.
        poisoned = Answer(SHORT_MEAN, "Add them and divide.", item_version=2)
        record = await submitted_sitting(
            database, world.room, [Answer(MULTIPLE_CHOICE, "b"), poisoned]
        )
        sitting = await wait_for_sitting(database, record.sitting_id, DONE)
        assert sitting.status is SittingStatus.GRADING_DELAYED
        assert sitting.score is None
        async with database.session() as session:
            response = await session.get(Response, record.responses[1])
            assert response is not None
            assert response.grading_status is GradingStatus.DELAYED
            assert response.points is None  # never a silent zero
        dead = await api.stores.bus.dead_letters(ANSWER_CONSUMER)
        assert [e.payload["response_id"] for e in dead] == [str(record.responses[1])]
        assert (
            await events_about(database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id) == []
        )

        # The teacher sees it in the queue and grades it by hand: the sitting completes.
        headers = world.teacher.headers
        queue = await api.client.get("/api/v1/grading-queue?show=delayed", headers=headers)
        assert queue.status_code == 200, queue.text
        assert [e["response_id"] for e in queue.json()["items"]] == [str(record.responses[1])]
        graded = await api.client.post(
            f"/api/v1/responses/{record.responses[1]}/grade",
            json={"points": 0.5, "reason": "Divides, but does not say by what."},
            headers=headers,
        )
        assert graded.status_code == 200, graded.text
        assert graded.json()["sitting_status"] == "graded"
        assert graded.json()["sitting_score"] == 1.5
        events = await events_about(database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id)
        assert [e["grade_version"] for e in events] == [1]


async def test_disputes_and_overrides_are_versioned_and_republish_the_grade(
    grading_app: AppFactory,
) -> None:
    async with grading_app() as api:
        world = await world_of(api)
        database = api.stores.database
        record = await submitted_sitting(
            database, world.room, [Answer(MULTIPLE_CHOICE, "a"), Answer(NUMERIC, "5")]
        )
        await wait_for_sitting(database, record.sitting_id, {SittingStatus.GRADED})
        wrong, right = record.responses
        client, learner, teacher = api.client, world.learner.headers, world.teacher.headers

        other = await api.account("student")
        refused = await client.post(
            f"/api/v1/responses/{wrong}/dispute", json={"reason": "mine"}, headers=other.headers
        )
        assert refused.status_code == 403
        disputed = await client.post(
            f"/api/v1/responses/{wrong}/dispute",
            json={"reason": "The mean is also in the middle here."},
            headers=learner,
        )
        assert disputed.status_code == 200, disputed.text
        assert disputed.json()["sitting_status"] == "needs_review"
        again = await client.post(
            f"/api/v1/responses/{wrong}/dispute", json={"reason": "again"}, headers=learner
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

        queue = (await client.get("/api/v1/grading-queue?show=disputed", headers=teacher)).json()
        (entry,) = queue["items"]
        assert entry["response_id"] == str(wrong)
        assert entry["dispute_reason"] == "The mean is also in the middle here."
        assert entry["question"] == MULTIPLE_CHOICE.prompt and entry["answer"] == "a"
        stranger = await api.account("teacher")
        foreign = await client.get("/api/v1/grading-queue", headers=stranger.headers)
        assert foreign.json()["items"] == []
        forbidden = await client.post(
            f"/api/v1/responses/{wrong}/grade",
            json={"points": 1, "reason": "x"},
            headers=stranger.headers,
        )
        assert forbidden.status_code == 403
        too_many = await client.post(
            f"/api/v1/responses/{wrong}/grade", json={"points": 3, "reason": "x"}, headers=teacher
        )
        assert too_many.status_code == 422

        accepted = await client.post(
            f"/api/v1/responses/{wrong}/grade",
            json={"points": 1, "reason": "Fair point: the data are symmetric."},
            headers=teacher,
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["grade_version"] == 2
        assert accepted.json()["sitting_status"] == "graded"
        # Any grade can be overridden, also one nobody disputed.
        lowered = await client.post(
            f"/api/v1/responses/{right}/grade",
            json={"points": 0.5, "reason": "No unit given."},
            headers=teacher,
        )
        assert lowered.json()["sitting_score"] == 1.5

        history = await client.get(f"/api/v1/responses/{wrong}/grades", headers=learner)
        assert [(r["version"], r["source"], r["points"]) for r in history.json()] == [
            (1, "rule", 0.0),
            (2, "teacher", 1.0),
        ]
        assert history.json()[1]["graded_by"] == str(world.teacher.id)
        graded = await events_about(database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id)
        assert [(e["grade_version"], e["score"]) for e in graded] == [(1, 1.0), (2, 2.0), (3, 1.5)]
        answered = await events_about(database, ANSWER_GRADED, "response_id", wrong)
        assert [(e["grade_version"], e["source"]) for e in answered] == [
            (1, "rule"),
            (2, "teacher"),
        ]
