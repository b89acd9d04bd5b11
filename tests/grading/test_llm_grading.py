"""The grading saga with the real LLM: short answers graded by rubric, and exactly once under a
killed consumer, a cut LLM and redelivered messages."""

import asyncio
import uuid

import httpx
from sqlalchemy import select, update

from agents.grader.settings import GradingSettings
from core.infra.bus import Event
from core.infra.outbox_models import OutboxEvent
from platform_api.assessments.events import ANSWER_GRADED, ASSESSMENT_GRADED, SITTING_SUBMITTED
from platform_api.assessments.models import (
    GradeRevision,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.grading.models import GradingFailure
from platform_api.grading.saga import (
    ANSWER_CONSUMER,
    ANSWER_GRADING_REQUESTED,
    SUBMITTED_CONSUMER,
)
from tests.fixtures.app import Api
from tests.fixtures.llm import LlmServer
from tests.fixtures.tcp_proxy import TcpProxy
from tests.grading.conftest import AppFactory, GradingWorld, world_of
from tests.grading.factories import (
    MULTIPLE_CHOICE,
    NUMERIC,
    SHORT_MEAN,
    SHORT_MEDIAN,
    Answer,
    count_where,
    events_about,
    submitted_sitting,
    wait_for_sitting,
)
from tests.grading.test_saga import DONE, revisions_of, wait_processed

GOOD_MEDIAN = "It is the middle value once the data are sorted, so half of the values are below it."
WRONG_MEAN = "The mean is the value that occurs most often in the data."
GOOD_MEAN = "Add all the values together and divide the total by how many values there are."


async def finish_review(world: GradingWorld, sitting_id: uuid.UUID) -> None:
    """The teacher grades whatever the saga left in the queue (low confidence)."""
    client, headers = world.api.client, world.teacher.headers
    queue = (await client.get("/api/v1/grading-queue", headers=headers)).json()["items"]
    for entry in [e for e in queue if e["sitting_id"] == str(sitting_id)]:
        assert entry["justification"] and entry["model_answer"]
        graded = await client.post(
            f"/api/v1/responses/{entry['response_id']}/grade",
            json={"points": entry["points"], "reason": "Checked: the provisional grade stands."},
            headers=headers,
        )
        assert graded.status_code == 200, graded.text


async def test_short_answers_get_rubric_points_and_a_justification(
    grading_app: AppFactory, llm_server: LlmServer
) -> None:
    llm = {"llm_base_url": llm_server.base_url, "llm_model": llm_server.model}
    async with grading_app(**llm) as api:
        world = await world_of(api)
        database = api.stores.database
        answers = [
            Answer(MULTIPLE_CHOICE, "b"),
            Answer(NUMERIC, "5 m"),
            Answer(SHORT_MEDIAN, GOOD_MEDIAN, points=2.0),
            Answer(SHORT_MEAN, WRONG_MEAN, points=2.0),
        ]
        record = await submitted_sitting(database, world.room, answers)
        await wait_for_sitting(database, record.sitting_id, DONE, timeout=120)
        good, wrong = [(await revisions_of(api, r))[0] for r in record.responses[2:]]
        for revision in (good, wrong):
            assert revision.source is GradeSource.LLM and revision.model_name == llm_server.model
            assert revision.justification.strip()
            assert 0.0 <= (revision.confidence or 0.0) <= 1.0
            assert [line["max_points"] for line in revision.rubric_scores] == [1.0, 1.0]
            assert all(0 <= line["points"] <= 1.0 for line in revision.rubric_scores)
        print(f"\ngood answer {good.points}/2 ({good.justification})")
        print(f"wrong answer {wrong.points}/2 ({wrong.justification})")
        assert good.points > wrong.points

        threshold = GradingSettings().confidence_threshold
        async with database.session() as session:
            for revision in (good, wrong):
                response = await session.get(Response, revision.response_id)
                assert response is not None
                queued = (revision.confidence or 0.0) < threshold
                expected = GradingStatus.NEEDS_REVIEW if queued else GradingStatus.GRADED
                assert response.grading_status is expected
        await finish_review(world, record.sitting_id)
        sitting = await wait_for_sitting(database, record.sitting_id, {SittingStatus.GRADED})
        assert sitting.score == 2.0 + good.points + wrong.points and sitting.max_score == 6.0
        graded = await events_about(database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id)
        assert len(graded) == 1


async def _replay(api: Api, sitting_id: uuid.UUID) -> None:
    """Redeliver the saga's events of a sitting: the relay publishes them again, same ids."""
    async with api.stores.database.session() as session, session.begin():
        await session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.type.in_([SITTING_SUBMITTED, ANSWER_GRADING_REQUESTED]),
                OutboxEvent.payload["sitting_id"].astext == str(sitting_id),
            )
            .values(published_at=None)
        )


async def _wait_for_failed_llm_steps(api: Api, steps: int) -> None:
    for _ in range(600):
        async with api.stores.database.session() as session:
            if await count_where(session, GradingFailure.consumer == ANSWER_CONSUMER) >= steps:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {steps} LLM steps failed")


async def test_each_answer_is_graded_once_under_a_killed_consumer_a_cut_llm_and_redelivery(
    grading_app: AppFactory, llm_server: LlmServer
) -> None:
    target = httpx.URL(llm_server.base_url)
    proxy = TcpProxy(target.host, target.port or 80)
    await proxy.start()
    await proxy.cut()  # the LLM is down from the start
    llm = {"llm_base_url": f"http://{proxy.host}:{proxy.port}/v1", "llm_model": llm_server.model}
    answers = [
        Answer(MULTIPLE_CHOICE, "b"),
        Answer(NUMERIC, "5"),
        Answer(SHORT_MEDIAN, GOOD_MEDIAN),
        Answer(SHORT_MEAN, GOOD_MEAN),
    ]
    try:
        async with grading_app(max_attempts="50", **llm) as api:
            world = await world_of(api)
            record = await submitted_sitting(api.stores.database, world.room, answers)
            await _wait_for_failed_llm_steps(api, 2)  # both failed and wait to retry
            sitting = await wait_for_sitting(
                api.stores.database, record.sitting_id, DONE | {SittingStatus.GRADING}
            )
            assert sitting.status is SittingStatus.GRADING
        # The process is gone mid-sitting; the LLM comes back; a new process starts.
        await proxy.restore()
        async with grading_app(max_attempts="50", **llm) as api:
            world.api = api
            database = api.stores.database
            await _replay(api, record.sitting_id)
            await wait_for_sitting(database, record.sitting_id, DONE, timeout=120)
            await _redeliver_again(api, record.sitting_id, record.responses[2])
            await finish_review(world, record.sitting_id)
            await wait_for_sitting(database, record.sitting_id, {SittingStatus.GRADED})
            await _redeliver_again(api, record.sitting_id, record.responses[3])

            for response_id in record.responses:
                # One grade from the saga (v1); a low-confidence one got the teacher's v2.
                revisions = await revisions_of(api, response_id)
                saga = [r.version for r in revisions if r.source is not GradeSource.TEACHER]
                assert saga == [1] and len(revisions) <= 2
                answered = await events_about(database, ANSWER_GRADED, "response_id", response_id)
                assert len(answered) == 1
            graded = await events_about(
                database, ASSESSMENT_GRADED, "sitting_id", record.sitting_id
            )
            assert [e["grade_version"] for e in graded] == [1]
            async with database.session() as session:
                llm_grades = await count_where(
                    session,
                    GradeRevision.response_id.in_(record.responses),
                    GradeRevision.source == GradeSource.LLM,
                )
            assert llm_grades == 2
    finally:
        await proxy.stop()


async def _redeliver_again(api: Api, sitting_id: uuid.UUID, response_id: uuid.UUID) -> None:
    """The same events once more, plus new-id duplicates (a second submit, a second request
    for one answer); returns once the consumers handled the duplicates."""
    await _replay(api, sitting_id)
    await api.stores.relay.publish_pending()
    async with api.stores.database.session() as session:
        submitted = await session.scalar(
            select(OutboxEvent).where(
                OutboxEvent.type == SITTING_SUBMITTED,
                OutboxEvent.payload["sitting_id"].astext == str(sitting_id),
            )
        )
    assert submitted is not None
    resubmitted = Event(type=SITTING_SUBMITTED, payload=submitted.payload)
    payload = {"schema_version": 1, "response_id": str(response_id), "sitting_id": str(sitting_id)}
    requested = Event(type=ANSWER_GRADING_REQUESTED, payload=payload)
    await api.stores.bus.publish(resubmitted)
    await api.stores.bus.publish(requested)
    await wait_processed(api, SUBMITTED_CONSUMER, resubmitted.id)
    await wait_processed(api, ANSWER_CONSUMER, requested.id)
