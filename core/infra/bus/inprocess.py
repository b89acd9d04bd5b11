"""In-process event bus: one asyncio queue and worker task per consumer (single node, not durable).

A handler that raises is retried after ``retry_base_seconds * 2 ** (attempt - 1)`` (capped at
``retry_max_seconds``) without holding up the consumer's other events; after ``max_attempts``
the event goes to the consumer's in-memory dead-letter list.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.backoff import exponential_delay
from core.infra.bus.base import BusUnavailable, Event, EventHandler
from core.infra.bus.tracing import consume_span, with_current_context

logger = logging.getLogger(__name__)


@dataclass
class _Consumer:
    name: str
    event_types: frozenset[str]
    handler: EventHandler
    max_attempts: int
    queue: asyncio.Queue[tuple[Event, int]] = field(default_factory=asyncio.Queue)
    dead_letters: list[Event] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None


class InProcessBus:
    def __init__(
        self, *, retry_base_seconds: float = 0.05, retry_max_seconds: float = 30.0
    ) -> None:
        self._retry_base_seconds = retry_base_seconds
        self._retry_max_seconds = retry_max_seconds
        self._consumers: dict[str, _Consumer] = {}
        self._pending_retries: set[asyncio.TimerHandle] = set()
        self._closed = False

    async def start(self) -> None:
        """Nothing to connect to; consumers start when they subscribe."""

    async def publish(self, event: Event) -> None:
        if self._closed:
            raise BusUnavailable("the in-process bus is closed")
        event = with_current_context(event)
        for consumer in self._consumers.values():
            if event.type in consumer.event_types:
                consumer.queue.put_nowait((event, 1))

    async def subscribe(
        self,
        consumer: str,
        event_types: Sequence[str],
        handler: EventHandler,
        *,
        max_attempts: int = 5,
    ) -> None:
        if consumer in self._consumers:
            raise ValueError(f"consumer {consumer!r} is already subscribed")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        state = _Consumer(consumer, frozenset(event_types), handler, max_attempts)
        state.worker = asyncio.create_task(self._work(state), name=f"bus-consumer-{consumer}")
        self._consumers[consumer] = state

    async def dead_letters(self, consumer: str) -> list[Event]:
        """Return and forget the consumer's dead-lettered events."""
        state = self._consumers.get(consumer)
        if state is None:
            return []
        events, state.dead_letters = state.dead_letters, []
        return events

    async def ping(self) -> bool:
        return not self._closed

    async def close(self) -> None:
        self._closed = True
        for timer in self._pending_retries:
            timer.cancel()
        self._pending_retries.clear()
        workers = [state.worker for state in self._consumers.values() if state.worker]
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, consumer: _Consumer) -> None:
        while True:
            event, attempt = await consumer.queue.get()
            try:
                with consume_span(consumer.name, event):
                    await consumer.handler(event)
            except Exception:
                self._handle_failure(consumer, event, attempt)

    def _handle_failure(self, consumer: _Consumer, event: Event, attempt: int) -> None:
        if attempt >= consumer.max_attempts:
            logger.exception(
                "Consumer %s failed event %s (%s) %d times; moved to its dead letters",
                consumer.name,
                event.id,
                event.type,
                attempt,
            )
            consumer.dead_letters.append(event)
            return
        delay = exponential_delay(attempt, self._retry_base_seconds, self._retry_max_seconds)
        logger.warning(
            "Consumer %s failed event %s (%s), attempt %d of %d; retrying in %.2f s",
            consumer.name,
            event.id,
            event.type,
            attempt,
            consumer.max_attempts,
            delay,
            exc_info=True,
        )
        self._schedule_retry(consumer, event, attempt + 1, delay)

    def _schedule_retry(
        self, consumer: _Consumer, event: Event, attempt: int, delay: float
    ) -> None:
        def requeue() -> None:
            self._pending_retries.discard(timer)
            consumer.queue.put_nowait((event, attempt))

        timer = asyncio.get_running_loop().call_later(delay, requeue)
        self._pending_retries.add(timer)
