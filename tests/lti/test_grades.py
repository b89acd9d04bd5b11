"""Assignment and Grade Services: a graded sitting of a quiz placed through LTI reaches the
platform's line item exactly once, although the platform fails the first score post."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from core.infra.bus import Event
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from platform_api.assessments.events import ASSESSMENT_GRADED
from platform_api.lti.grades import CONSUMER, push_score
from platform_api.lti.models import LtiScorePush
from tests.assessments.factory import created, start
from tests.fixtures.app import Api
from tests.lti.conftest import World
from tests.lti.flows import launch, learner, teaching_context
from tests.lti.platform import Launch


async def _wait_for(condition: Callable[[], Awaitable[object]], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _processed_by_lti(api: Api, sitting_id: str) -> bool:
    """Whether the LTI grade consumer is done with the sitting's assessment.graded event."""
    async with api.stores.database.session() as session:
        mark = await session.scalar(
            select(ProcessedEvent.event_id)
            .join(OutboxEvent, OutboxEvent.id == ProcessedEvent.event_id)
            .where(
                ProcessedEvent.consumer == CONSUMER,
                OutboxEvent.type == ASSESSMENT_GRADED,
                OutboxEvent.payload["sitting_id"].astext == sitting_id,
            )
        )
        return mark is not None


async def test_a_graded_sitting_reaches_the_line_item_exactly_once(world: World) -> None:
    api, platform = world.api, world.platform
    taught = await teaching_context(world)
    student = learner()
    opened = await launch(
        world,
        Launch(student, taught.context_id, "quiz-link", {"wc_target": f"quiz:{taught.quiz_id}"}),
    )
    account = opened.account("student")
    platform.failing_score_posts, posts_before = 1, platform.score_posts

    sitting = await start(api, account, taught.quiz_id)
    answered = await api.client.put(
        f"/api/v1/sittings/{sitting['id']}/answers/{taught.course.items['mc0']}",
        headers=account.headers,
        json={"answer": "b"},
    )
    assert answered.status_code == 200, answered.text
    submitted = await api.client.post(
        f"/api/v1/sittings/{sitting['id']}/submit", headers=account.headers
    )
    assert submitted.status_code == 200, submitted.text

    def mine() -> list[dict[str, object]]:
        return [s for s in platform.scores if s["userId"] == student.subject]

    async def scored() -> bool:
        return bool(mine())

    await _wait_for(scored)
    resource_id = f"quiz:{taught.quiz_id}"
    items = [i for i in platform.line_items.values() if i.get("resourceId") == resource_id]
    assert len(items) == 1 and items[0]["label"] == "Compass quiz"
    [score] = mine()
    assert score["lineitem"] == items[0]["id"]
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1.0, 1.0)
    assert score["gradingProgress"] == "FullyGraded"
    assert platform.score_posts - posts_before == 2  # the failed one, then the accepted one

    # The event again (a redelivery with a new id, past the consumer's processed mark): the
    # recorded push stops a second post.
    async with api.stores.database.session() as session:
        graded = await session.scalar(
            select(OutboxEvent).where(
                OutboxEvent.type == ASSESSMENT_GRADED,
                OutboxEvent.payload["sitting_id"].astext == sitting["id"],
            )
        )
        assert graded is not None
        pushed = await session.get(LtiScorePush, (uuid.UUID(sitting["id"]), 1))
        assert pushed is not None and pushed.line_item_url == items[0]["id"]
    async with api.stores.database.session() as session, session.begin():
        again = Event(type=ASSESSMENT_GRADED, payload=graded.payload)
        await push_score(api.stores, session, again)
    assert platform.score_posts - posts_before == 2 and len(mine()) == 1


async def test_sittings_of_quizzes_not_placed_through_lti_send_nothing(world: World) -> None:
    taught = await teaching_context(world)
    student = learner()
    opened = await launch(world, Launch(student, taught.context_id, "lesson-link"))
    account = opened.account("student")
    other = await created(
        world.api,
        taught.teacher,
        "/api/v1/assignments",
        {
            "class_id": taught.class_id,
            "title": "Not in the LMS",
            "kind": "homework",
            "item_ids": [taught.course.items["mc0"]],
        },
    )
    posts_before = world.platform.score_posts
    sitting = await start(world.api, account, other["id"])
    await world.api.client.post(f"/api/v1/sittings/{sitting['id']}/submit", headers=account.headers)

    await _wait_for(lambda: _processed_by_lti(world.api, sitting["id"]))
    assert world.platform.score_posts == posts_before
