"""The ``analytics.capture`` consumer: tutor events from the bus become scrubbed ClickHouse rows."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.infra.analytics import AnalyticsStore
from core.infra.bus.base import Event
from core.infra.bus.inprocess import InProcessBus
from core.infra.database import Database
from core.infra.outbox import OutboxRelay, add_event
from platform_api.analytics.capture import (
    CONSUMER,
    TUTOR_FEEDBACK_GIVEN,
    TUTOR_TURN_COMPLETED,
    subscribe_capture,
)
from platform_api.users.service import USER_ERASED
from tests.analytics.factories import make_feedback, make_turn
from tests.infra.bus_support import eventually

TURNS_OF_LEARNER = "SELECT * FROM tutor_turns FINAL WHERE learner_id = {learner_id:UUID}"
FEEDBACK_OF_LEARNER = "SELECT * FROM tutor_feedback FINAL WHERE learner_id = {learner_id:UUID}"


@pytest.fixture
async def bus(analytics: AnalyticsStore) -> AsyncIterator[InProcessBus]:
    bus = InProcessBus(retry_base_seconds=0.01)
    await subscribe_capture(bus, analytics)
    yield bus
    await bus.close()


async def rows_when_present(
    analytics: AnalyticsStore, sql: str, learner_id: uuid.UUID, count: int = 1
) -> list[dict[str, Any]]:
    """Wait until the consumer has written ``count`` rows about the learner; return them."""
    rows: list[dict[str, Any]] = []

    async def present() -> bool:
        rows[:] = await analytics.query(sql, {"learner_id": learner_id})
        return len(rows) >= count

    await eventually(present)
    return rows


async def test_a_turn_is_stored_with_personal_data_scrubbed(
    bus: InProcessBus, analytics: AnalyticsStore
) -> None:
    turn = make_turn(
        question="I'm ada@example.org, call +44 20 7946 0958: is p = 0.05 significant?",
        answer="Yes at alpha = 0.05. Your card 4111 1111 1111 1111 is not needed here.",
    )
    await bus.publish(Event(type=TUTOR_TURN_COMPLETED, payload=turn.model_dump(mode="json")))

    [row] = await rows_when_present(analytics, TURNS_OF_LEARNER, turn.learner_id)

    assert row["question"] == "I'm [EMAIL], call [PHONE]: is p = 0.05 significant?"
    assert row["answer"] == "Yes at alpha = 0.05. Your card [CARD] is not needed here."
    assert row["turn_id"] == str(turn.turn_id)
    assert row["cited_lesson_ids"] == [str(i) for i in turn.cited_lesson_ids]
    assert (row["prompt_tokens"], row["ttft_ms"]) == (turn.prompt_tokens, turn.ttft_ms)


async def test_a_redelivered_turn_counts_once(bus: InProcessBus, analytics: AnalyticsStore) -> None:
    turn = make_turn()
    event = Event(type=TUTOR_TURN_COMPLETED, payload=turn.model_dump(mode="json"))
    await bus.publish(event)
    await bus.publish(event)
    later = make_turn(learner_id=turn.learner_id)
    await bus.publish(Event(type=TUTOR_TURN_COMPLETED, payload=later.model_dump(mode="json")))

    # The consumer handles its events in order: once the later turn is in, both copies are too.
    rows = await rows_when_present(analytics, TURNS_OF_LEARNER, turn.learner_id, count=2)
    assert sorted(row["turn_id"] for row in rows) == sorted([str(turn.turn_id), str(later.turn_id)])


async def test_feedback_is_stored_with_its_comment_scrubbed(
    bus: InProcessBus, analytics: AnalyticsStore
) -> None:
    feedback = make_feedback(make_turn(), rating="up", comment="Great! Mail me: bob@example.com")
    event = Event(type=TUTOR_FEEDBACK_GIVEN, payload=feedback.model_dump(mode="json"))
    await bus.publish(event)

    [row] = await rows_when_present(analytics, FEEDBACK_OF_LEARNER, feedback.learner_id)

    assert row == {
        **feedback.model_dump(mode="json"),
        "comment": "Great! Mail me: [EMAIL]",
        "occurred_at": "2026-03-14 09:26:53.589",
    }


async def test_an_invalid_payload_ends_in_the_dead_letters(bus: InProcessBus) -> None:
    payload = make_turn().model_dump(mode="json") | {"turn_id": "not-a-uuid"}
    event = Event(type=TUTOR_TURN_COMPLETED, payload=payload)
    await bus.publish(event)

    dead: list[Event] = []

    async def dead_lettered() -> bool:
        dead.extend(await bus.dead_letters(CONSUMER))
        return bool(dead)

    await eventually(dead_lettered)
    assert [letter.id for letter in dead] == [event.id]


async def test_an_erased_user_loses_their_analytics_rows(
    bus: InProcessBus, analytics: AnalyticsStore
) -> None:
    erased, kept = make_turn(), make_turn()
    events = [
        Event(type=TUTOR_TURN_COMPLETED, payload=erased.model_dump(mode="json")),
        Event(type=TUTOR_FEEDBACK_GIVEN, payload=make_feedback(erased).model_dump(mode="json")),
        Event(type=USER_ERASED, payload={"user_id": str(erased.learner_id)}),
        Event(type=TUTOR_TURN_COMPLETED, payload=kept.model_dump(mode="json")),
    ]
    for event in events:
        await bus.publish(event)

    await rows_when_present(analytics, TURNS_OF_LEARNER, kept.learner_id)
    parameters = {"learner_id": erased.learner_id}
    assert await analytics.query(TURNS_OF_LEARNER, parameters) == []
    assert await analytics.query(FEEDBACK_OF_LEARNER, parameters) == []


async def test_a_turn_committed_through_the_outbox_reaches_clickhouse(
    bus: InProcessBus, analytics: AnalyticsStore, database: Database
) -> None:
    turn = make_turn(answer="Ask your teacher at 555-867-5309.")
    async with database.session() as session, session.begin():
        # Exactly what the tutor does, in the transaction that records the turn.
        add_event(session, TUTOR_TURN_COMPLETED, turn.model_dump(mode="json"))
    assert await OutboxRelay(database, bus).publish_pending() == 1

    [row] = await rows_when_present(analytics, TURNS_OF_LEARNER, turn.learner_id)
    assert row["answer"] == "Ask your teacher at [PHONE]."
