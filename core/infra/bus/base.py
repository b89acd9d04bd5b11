"""The event-bus interface and the event envelope."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field


class Event(BaseModel):
    """What happened, as published on the bus. ``id`` is the idempotency key of consumers."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    payload: dict[str, Any]
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # W3C ``traceparent``/``tracestate`` of the span that published the event (core/tracing.py);
    # empty when tracing is off. Consumers continue that trace.
    trace_context: dict[str, str] = Field(default_factory=dict)


EventHandler = Callable[[Event], Awaitable[None]]


class BusUnavailable(Exception):
    """The broker did not accept the event (connection lost, no confirm)."""


class EventBus(Protocol):
    """At-least-once delivery of events to named consumers.

    A consumer's handler that raises is retried with back-off up to ``max_attempts`` times in all;
    the event then goes to the consumer's dead-letter queue, where ``dead_letters`` reads it.
    """

    async def start(self) -> None: ...

    async def publish(self, event: Event) -> None:
        """Return once the broker has accepted the event; raise ``BusUnavailable`` otherwise."""
        ...

    async def subscribe(
        self,
        consumer: str,
        event_types: Sequence[str],
        handler: EventHandler,
        *,
        max_attempts: int = 5,
    ) -> None: ...

    async def dead_letters(self, consumer: str) -> list[Event]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
