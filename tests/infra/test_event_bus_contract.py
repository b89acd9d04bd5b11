"""Contract of ``EventBus``: the in-process bus, and RabbitMQ through a proxy the tests can cut."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from core.infra.bus.base import BusUnavailable, Event, EventBus
from core.infra.bus.inprocess import InProcessBus
from tests.fixtures.tcp_proxy import TcpProxy
from tests.infra.bus_support import delete_rabbitmq_topology, eventually, proxied_rabbitmq


@dataclass
class BusUnderTest:
    bus: EventBus
    make_unreachable: Callable[[], Awaitable[None]]
    proxy: TcpProxy | None = None
    consumers: list[str] = field(default_factory=list)

    def consumer(self, role: str) -> str:
        """A consumer name unique to this test (queues on the shared broker are durable)."""
        name = f"test.{role}.{uuid.uuid4().hex[:8]}"
        self.consumers.append(name)
        return name


@pytest.fixture(params=["inprocess", "rabbitmq"])
async def under_test(request: pytest.FixtureRequest) -> AsyncIterator[BusUnderTest]:
    if request.param == "inprocess":
        bus = InProcessBus(retry_base_seconds=0.02)
        await bus.start()
        yield BusUnderTest(bus, bus.close)
        await bus.close()
        return
    amqp_url: str = request.getfixturevalue("amqp_url")
    rabbit, proxy, exchange = await proxied_rabbitmq(amqp_url)
    state = BusUnderTest(rabbit, proxy.cut, proxy)
    yield state
    await rabbit.close()
    await proxy.stop()
    await delete_rabbitmq_topology(amqp_url, exchange, state.consumers)


class Recorder:
    """A handler that records events and fails the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[Event] = []
        self.failures = failures

    async def __call__(self, event: Event) -> None:
        self.calls.append(event)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"handler failure {len(self.calls)}")


async def test_every_subscribed_consumer_gets_the_event(under_test: BusUnderTest) -> None:
    grades, notifications = Recorder(), Recorder()
    bus = under_test.bus
    await bus.subscribe(under_test.consumer("grades"), ["exam.submitted"], grades)
    await bus.subscribe(under_test.consumer("notify"), ["exam.submitted"], notifications)
    event = Event(type="exam.submitted", payload={"exam_id": 7, "score": 0.5})
    await bus.publish(event)
    await eventually(lambda: len(grades.calls) == 1 and len(notifications.calls) == 1)
    assert grades.calls == [event]
    assert notifications.calls == [event]


async def test_events_are_routed_by_type(under_test: BusUnderTest) -> None:
    lessons = Recorder()
    bus = under_test.bus
    await bus.subscribe(
        under_test.consumer("lessons"), ["lesson.completed", "lesson.started"], lessons
    )
    unrelated = Event(type="user.registered", payload={"user_id": 1})
    started = Event(type="lesson.started", payload={"lesson_id": 2})
    completed = Event(type="lesson.completed", payload={"lesson_id": 2})
    for event in (unrelated, started, completed):
        await bus.publish(event)
    # One consumer queue is FIFO: had the unrelated event been routed, it would have come first.
    await eventually(lambda: len(lessons.calls) == 2)
    assert [e.id for e in lessons.calls] == [started.id, completed.id]


async def test_failed_handler_is_retried_until_it_succeeds(under_test: BusUnderTest) -> None:
    flaky = Recorder(failures=2)
    consumer = under_test.consumer("flaky")
    await under_test.bus.subscribe(consumer, ["badge.earned"], flaky, max_attempts=5)
    event = Event(type="badge.earned", payload={"badge": "streak-7"})
    await under_test.bus.publish(event)
    await eventually(lambda: len(flaky.calls) == 3)
    assert {e.id for e in flaky.calls} == {event.id}
    assert flaky.calls[-1].payload == {"badge": "streak-7"}
    assert await under_test.bus.dead_letters(consumer) == []


async def test_event_is_dead_lettered_after_max_attempts(under_test: BusUnderTest) -> None:
    broken = Recorder(failures=1_000)
    healthy = Recorder()
    consumer = under_test.consumer("broken")
    await under_test.bus.subscribe(consumer, ["report.requested"], broken, max_attempts=3)
    await under_test.bus.subscribe(under_test.consumer("healthy"), ["report.requested"], healthy)
    event = Event(type="report.requested", payload={"course": 3})
    await under_test.bus.publish(event)

    dead: list[Event] = []

    async def dead_lettered() -> bool:
        dead.extend(await under_test.bus.dead_letters(consumer))
        return bool(dead)

    await eventually(dead_lettered)
    assert dead == [event]
    assert len(broken.calls) == 3
    assert healthy.calls == [event]  # another consumer's failure does not affect this one
    assert await under_test.bus.dead_letters(consumer) == []  # read once, then gone


async def test_publish_raises_bus_unavailable_when_the_broker_is_unreachable(
    under_test: BusUnderTest,
) -> None:
    assert await under_test.bus.ping() is True
    await under_test.make_unreachable()
    with pytest.raises(BusUnavailable):
        await under_test.bus.publish(Event(type="anything.happened", payload={}))
    assert await under_test.bus.ping() is False


async def test_rabbitmq_bus_recovers_after_the_connection_comes_back(amqp_url: str) -> None:
    bus, proxy, exchange = await proxied_rabbitmq(amqp_url)
    consumer = f"test.recover.{uuid.uuid4().hex[:8]}"
    received = Recorder()
    try:
        await bus.subscribe(consumer, ["class.opened"], received)
        await proxy.cut()
        with pytest.raises(BusUnavailable):
            await bus.publish(Event(type="class.opened", payload={"n": 1}))
        await proxy.restore()
        event = Event(type="class.opened", payload={"n": 2})

        async def published() -> bool:
            try:
                await bus.publish(event)
            except BusUnavailable:
                return False
            return True

        await eventually(published)
        await eventually(lambda: len(received.calls) == 1)  # the consumer was restored too
        assert received.calls == [event]
        assert await bus.ping() is True
    finally:
        await bus.close()
        await proxy.stop()
        await delete_rabbitmq_topology(amqp_url, exchange, [consumer])
