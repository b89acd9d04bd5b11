"""The transactional outbox: only committed events are relayed, a broker outage between commit and
publish delays delivery without losing it, and ``idempotent`` consumers apply each effect once."""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus.base import Event, EventBus
from core.infra.bus.inprocess import InProcessBus
from core.infra.database import Database
from core.infra.outbox import OutboxRelay, add_event, idempotent
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from tests.infra.bus_support import delete_rabbitmq_topology, eventually, proxied_rabbitmq

EVENT_TYPE = "enrolment.created"


@pytest.fixture
async def effects_tables(database: Database) -> AsyncIterator[Database]:
    """A business table, and a counter that the consumer's effect increments."""
    async with database.session() as session, session.begin():
        await session.execute(
            text("CREATE TABLE test_enrolments (id uuid PRIMARY KEY, learner text)")
        )
        await session.execute(text("CREATE TABLE test_counters (name text PRIMARY KEY, value int)"))
        await session.execute(text("INSERT INTO test_counters VALUES ('welcome_mails', 0)"))
    yield database


async def count_welcome_mail(session: AsyncSession, event: Event) -> None:
    await session.execute(
        text("UPDATE test_counters SET value = value + 1 WHERE name = 'welcome_mails'")
    )


async def counter_value(database: Database) -> int:
    async with database.session() as session:
        value = await session.scalar(
            text("SELECT value FROM test_counters WHERE name = 'welcome_mails'")
        )
    assert isinstance(value, int)
    return value


async def enrol(database: Database, learner: str) -> uuid.UUID:
    """The business change and its event, committed together; returns the event id."""
    async with database.session() as session, session.begin():
        enrolment_id = uuid.uuid4()
        await session.execute(
            text("INSERT INTO test_enrolments VALUES (:id, :learner)"),
            {"id": enrolment_id, "learner": learner},
        )
        return add_event(session, EVENT_TYPE, {"enrolment_id": str(enrolment_id)}).id


async def outbox_row(database: Database, event_id: uuid.UUID) -> OutboxEvent:
    async with database.session() as session:
        row = await session.get(OutboxEvent, event_id)
    assert row is not None
    return row


class Deliveries:
    """Wraps a handler and counts every delivery, including the ones it skips as duplicates."""

    def __init__(self, database: Database, consumer: str) -> None:
        self.seen: list[uuid.UUID] = []
        self._handle = idempotent(database, consumer, count_welcome_mail)

    async def __call__(self, event: Event) -> None:
        await self._handle(event)
        self.seen.append(event.id)


async def assert_exactly_once(
    database: Database, bus: EventBus, deliveries: Deliveries, event_id: uuid.UUID
) -> None:
    """Deliver the event a second time and check the effect and the mark exist once."""
    await eventually(lambda: deliveries.seen == [event_id])
    row = await outbox_row(database, event_id)
    await bus.publish(
        Event(id=row.id, type=row.type, payload=row.payload, occurred_at=row.occurred_at)
    )
    await eventually(lambda: deliveries.seen == [event_id, event_id])
    assert await counter_value(database) == 1
    async with database.session() as session:
        marks = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert marks == 1


async def test_event_of_a_rolled_back_transaction_is_never_published(
    effects_tables: Database,
) -> None:
    database = effects_tables
    bus = InProcessBus()
    received: list[Event] = []

    async def record(event: Event) -> None:
        received.append(event)

    await bus.subscribe("audit", [EVENT_TYPE], record)
    relay = OutboxRelay(database, bus)
    try:
        async with database.session() as session:
            add_event(session, EVENT_TYPE, {"rolled": "back"})
            await session.flush()  # the INSERT reaches the server inside the transaction
            await session.rollback()
        assert await relay.publish_pending() == 0
        committed = await enrol(database, "ada")
        assert await relay.publish_pending() == 1
        await eventually(lambda: len(received) == 1)
        assert [event.id for event in received] == [committed]
        async with database.session() as session:
            assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 1
    finally:
        await bus.close()


async def test_broker_outage_between_commit_and_publish_delays_delivery_exactly_once(
    effects_tables: Database, amqp_url: str
) -> None:
    database = effects_tables
    bus, proxy, exchange = await proxied_rabbitmq(amqp_url)
    consumer = f"test.welcome.{uuid.uuid4().hex[:8]}"
    deliveries = Deliveries(database, consumer)
    try:
        await bus.subscribe(consumer, [EVENT_TYPE], deliveries)
        relay = OutboxRelay(database, bus)
        event_id = await enrol(database, "grace")

        await proxy.cut()  # the broker goes away after the commit, before the relay publishes
        assert await relay.publish_pending() == 0
        failed = await outbox_row(database, event_id)
        assert failed.published_at is None
        assert failed.attempts >= 1
        assert failed.last_error

        await proxy.restore()
        await eventually(
            lambda: _published_one(relay), within_seconds=15
        )  # once the bus reconnected
        assert (await outbox_row(database, event_id)).published_at is not None
        await assert_exactly_once(database, bus, deliveries, event_id)
        assert await relay.publish_pending() == 0
    finally:
        await bus.close()
        await proxy.stop()
        await delete_rabbitmq_topology(amqp_url, exchange, [consumer])


async def _published_one(relay: OutboxRelay) -> bool:
    return await relay.publish_pending() == 1


async def test_in_process_bus_applies_the_effect_exactly_once(effects_tables: Database) -> None:
    database = effects_tables
    bus = InProcessBus()
    deliveries = Deliveries(database, "welcome")
    await bus.subscribe("welcome", [EVENT_TYPE], deliveries)
    relay = OutboxRelay(database, bus, poll_seconds=0.02)
    relay.start()
    try:
        event_id = await enrol(database, "katherine")
        await assert_exactly_once(database, bus, deliveries, event_id)
        assert (await outbox_row(database, event_id)).published_at is not None
    finally:
        await relay.stop()
        await bus.close()


async def test_failed_effect_rolls_back_its_mark_so_a_retry_applies_it(
    effects_tables: Database,
) -> None:
    database = effects_tables
    calls = 0

    async def fail_once(session: AsyncSession, event: Event) -> None:
        nonlocal calls
        calls += 1
        await count_welcome_mail(session, event)
        if calls == 1:
            raise RuntimeError("mail server hiccup")

    handler = idempotent(database, "welcome", fail_once)
    event = Event(type=EVENT_TYPE, payload={})
    with pytest.raises(RuntimeError):
        await handler(event)
    assert await counter_value(database) == 0
    await handler(event)
    await handler(event)
    assert calls == 2
    assert await counter_value(database) == 1


async def test_relay_publishes_in_order_of_occurrence(effects_tables: Database) -> None:
    database = effects_tables
    bus = InProcessBus()
    received: list[uuid.UUID] = []

    async def record(event: Event) -> None:
        received.append(event.id)

    await bus.subscribe("ordered", [EVENT_TYPE], record)
    try:
        ids = [await enrol(database, f"learner {n}") for n in range(5)]
        relay = OutboxRelay(database, bus, batch_size=2)
        assert [await relay.publish_pending() for _ in range(4)] == [2, 2, 1, 0]
        await eventually(lambda: len(received) == 5)
        assert received == ids
    finally:
        await bus.close()
