"""Transactional outbox: events are written with the change they report and relayed to the bus.

``add_event`` puts the event row in the caller's transaction, so it exists if and only if the change
committed. ``OutboxRelay`` publishes unpublished rows in order and marks them; a broker outage
leaves them in place for the next pass. Delivery is therefore at least once, and ``idempotent``
makes a consumer's effect happen exactly once by recording the event id in the same transaction.

Traces cross the outbox: the row keeps the trace context it was written under, the relay's
publish span continues that trace, and the event carries the publish span's context to its
consumers (``core/infra/bus/tracing.py``).
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus.base import BusUnavailable, Event, EventBus, EventHandler
from core.infra.bus.tracing import publish_span
from core.infra.database import Database, utcnow
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from core.tracing import carrier

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


def add_event(session: AsyncSession, event_type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add an event to the session's transaction; it is published only if the caller commits."""
    row = OutboxEvent(
        id=uuid.uuid4(),
        type=event_type,
        payload=payload,
        occurred_at=utcnow(),
        attempts=0,
        trace_context=carrier() or None,
    )
    session.add(row)
    return row


class OutboxRelay:
    """Publishes outbox rows to the bus, oldest first, from a background task.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several relays (one per process) share the
    work without publishing a row twice in the normal case. When the bus is unavailable the pass
    stops (later events must not overtake earlier ones) and the relay backs off exponentially up to
    ``max_backoff_seconds``.
    """

    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 100,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self._database = database
        self._bus = bus
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._max_backoff_seconds = max_backoff_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def publish_pending(self) -> int:
        """Run one pass; return how many events were published."""
        published, _ = await self._pass()
        return published

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                published, bus_failed = await self._pass()
            except Exception:
                logger.exception("Outbox relay pass failed (is the database reachable?)")
                published, bus_failed = 0, True
            if bus_failed:
                failures += 1
                delay = min(self._poll_seconds * 2**failures, self._max_backoff_seconds)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if published < self._batch_size:  # a full batch means more may be waiting
                await asyncio.sleep(self._poll_seconds)

    async def _pass(self) -> tuple[int, bool]:
        """Publish one batch in one transaction; return (published, whether the bus failed)."""
        async with self._database.session() as session, session.begin():
            rows = await self._claim_batch(session)
            for published, row in enumerate(rows):
                try:
                    await self._publish(row)
                except BusUnavailable as error:
                    _record_failure(row, error)
                    return published, True
                row.published_at = utcnow()
            return len(rows), False

    async def _publish(self, row: OutboxEvent) -> None:
        event = _event_of(row)
        with publish_span(event, row.trace_context) as published:
            await self._bus.publish(published)

    async def _claim_batch(self, session: AsyncSession) -> list[OutboxEvent]:
        statement = (
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.occurred_at)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        return list((await session.scalars(statement)).all())


def _event_of(row: OutboxEvent) -> Event:
    return Event(id=row.id, type=row.type, payload=row.payload, occurred_at=row.occurred_at)


def _record_failure(row: OutboxEvent, error: BusUnavailable) -> None:
    row.attempts += 1
    row.last_error = str(error)[:MAX_ERROR_LENGTH]
    logger.warning(
        "Outbox event %s (%s) not published, attempt %d: %s. It stays queued and is retried "
        "when the broker answers again; check the broker and the network to it.",
        row.id,
        row.type,
        row.attempts,
        error,
    )


def idempotent(
    database: Database,
    consumer: str,
    handle: Callable[[AsyncSession, Event], Awaitable[None]],
) -> EventHandler:
    """Wrap ``handle`` so that its effect is applied once per consumer, however often events arrive.

    The processed-event mark and the effect commit in one transaction: if ``handle`` raises, both
    roll back and a redelivery tries again; if the mark already exists, the event is skipped. A
    concurrent duplicate waits on the mark's primary key until the first transaction ends.
    """

    async def handler(event: Event) -> None:
        async with database.session() as session, session.begin():
            statement = (
                insert(ProcessedEvent)
                .values(consumer=consumer, event_id=event.id, processed_at=utcnow())
                .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
                .returning(ProcessedEvent.event_id)
            )
            if (await session.execute(statement)).scalar_one_or_none() is None:
                logger.debug("Consumer %s skips event %s: already processed", consumer, event.id)
                return
            await handle(session, event)

    return handler
