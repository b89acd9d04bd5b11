"""RabbitMQ event bus (aio-pika): durable topology, publisher confirms, retries, dead letters.

Topology for exchange ``E`` and consumer ``C``:

- ``E``: durable topic exchange; the routing key of a message is its event type.
- ``C``: durable queue bound to ``E`` once per subscribed event type. Its dead-letter exchange is
  ``E.dead-letter`` (routing key ``C``), so a rejected message lands in ``C.dlq``.
- ``C.retry``: durable queue without consumers. A failed message is re-published into it with a
  per-message TTL (the back-off delay) and an incremented ``x-wc-attempt`` header, then acked;
  when the TTL expires the broker dead-letters it back to ``C`` through the default exchange.
  This keeps the delay on the broker (it survives a restart of this process and does not hold a
  prefetch slot) at the cost of head-of-line waiting: RabbitMQ expires messages only at the head
  of a queue, so a message behind a longer delay waits for it (bounded by ``retry_max_seconds``).
- ``C.dlq``: durable queue bound to ``E.dead-letter`` with routing key ``C``; after
  ``max_attempts`` failures the message is rejected (``requeue=False``) and goes there.

The connection is robust: after a broken connection aio-pika reconnects every
``reconnect_interval_seconds`` and restores channels, exchanges, queues, bindings and consumers.
Publishing while disconnected raises ``BusUnavailable`` (it is never replayed: the outbox does).
"""

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    DeliveryMode,
    ExchangeType,
)
from aiormq.exceptions import AMQPError, ChannelInvalidStateError
from pydantic import ValidationError

from core.backoff import exponential_delay
from core.infra.bus.base import BusUnavailable, Event, EventHandler
from core.infra.bus.tracing import consume_span, with_current_context

logger = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-wc-attempt"
BROKER_ERRORS = (TimeoutError, AMQPError, ChannelInvalidStateError, OSError)


class RabbitMqBus:
    def __init__(
        self,
        url: str,
        *,
        exchange: str = "wc.events",
        retry_base_seconds: float = 1.0,
        retry_max_seconds: float = 60.0,
        publish_timeout_seconds: float = 5.0,
        reconnect_interval_seconds: float = 1.0,
        prefetch_count: int = 16,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self._dead_letter_exchange_name = f"{exchange}.dead-letter"
        self._retry_base_seconds = retry_base_seconds
        self._retry_max_seconds = retry_max_seconds
        self._publish_timeout_seconds = publish_timeout_seconds
        self._reconnect_interval_seconds = reconnect_interval_seconds
        self._prefetch_count = prefetch_count
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._consume_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None

    async def start(self) -> None:
        try:
            self._connection = await aio_pika.connect_robust(
                self._url,
                reconnect_interval=self._reconnect_interval_seconds,
                timeout=self._publish_timeout_seconds,
            )
            self._publish_channel = await self._open_channel(publisher_confirms=True)
            self._consume_channel = await self._open_channel(publisher_confirms=False)
            await self._consume_channel.set_qos(prefetch_count=self._prefetch_count)
            self._exchange = await self._publish_channel.declare_exchange(
                self._exchange_name, ExchangeType.TOPIC, durable=True
            )
            await self._publish_channel.declare_exchange(
                self._dead_letter_exchange_name, ExchangeType.DIRECT, durable=True
            )
        except BROKER_ERRORS as error:
            await self.close()
            raise BusUnavailable(f"cannot reach RabbitMQ to start the bus: {error!r}") from error

    async def publish(self, event: Event) -> None:
        event = with_current_context(event)
        message = aio_pika.Message(
            body=event.model_dump_json().encode(),
            content_type="application/json",
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=str(event.id),
            type=event.type,
            timestamp=event.occurred_at,
            headers=dict(event.trace_context),  # W3C traceparent, for any AMQP tool
        )
        await self._publish(self._started_exchange(), message, event.type)

    async def subscribe(
        self,
        consumer: str,
        event_types: Sequence[str],
        handler: EventHandler,
        *,
        max_attempts: int = 5,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        channel = self._started_consume_channel()
        queue = await channel.declare_queue(
            consumer,
            durable=True,
            arguments={
                "x-dead-letter-exchange": self._dead_letter_exchange_name,
                "x-dead-letter-routing-key": consumer,
            },
        )
        for event_type in event_types:
            await queue.bind(self._exchange_name, routing_key=event_type)
        await channel.declare_queue(
            f"{consumer}.retry",
            durable=True,
            arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": consumer},
        )
        dead_letter_queue = await channel.declare_queue(f"{consumer}.dlq", durable=True)
        await dead_letter_queue.bind(self._dead_letter_exchange_name, routing_key=consumer)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._deliver(consumer, handler, max_attempts, message)

        await queue.consume(on_message)

    async def dead_letters(self, consumer: str) -> list[Event]:
        """Take every message out of ``<consumer>.dlq`` (acking it) and return the events."""
        channel = self._started_consume_channel()
        queue = await channel.declare_queue(f"{consumer}.dlq", durable=True)
        events = []
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            try:
                events.append(Event.model_validate_json(message.body))
            except ValidationError:
                logger.error("Dropping undecodable message from %s.dlq: %r", consumer, message.body)
            await message.ack()
        return events

    async def ping(self) -> bool:
        if self._connection is None or not self._connection.connected.is_set():
            return False
        try:
            channel = await asyncio.wait_for(
                self._started_publish_channel().get_underlay_channel(), 2
            )
            await asyncio.wait_for(channel.exchange_declare(self._exchange_name, passive=True), 2)
        except BROKER_ERRORS:
            return False
        return True

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self._publish_channel = self._consume_channel = self._exchange = None
        if connection is not None:
            await connection.close()

    async def _open_channel(self, *, publisher_confirms: bool) -> AbstractRobustChannel:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=publisher_confirms)
        assert isinstance(channel, AbstractRobustChannel)
        return channel

    async def _publish(
        self, exchange: AbstractExchange, message: aio_pika.Message, routing_key: str
    ) -> None:
        try:
            await asyncio.wait_for(
                exchange.publish(message, routing_key=routing_key, mandatory=False),
                self._publish_timeout_seconds,
            )
        except BROKER_ERRORS as error:
            raise BusUnavailable(
                f"RabbitMQ did not confirm message {message.message_id} to {exchange.name!r} "
                f"({routing_key}): {error!r}"
            ) from error

    async def _deliver(
        self,
        consumer: str,
        handler: EventHandler,
        max_attempts: int,
        message: AbstractIncomingMessage,
    ) -> None:
        try:
            event = Event.model_validate_json(message.body)
        except ValidationError:
            logger.error("Consumer %s got an undecodable message; dead-lettering it", consumer)
            await message.reject(requeue=False)
            return
        attempt = _attempt_of(message)
        try:
            with consume_span(consumer, event, message.headers):
                await handler(event)
        except Exception:
            await self._after_failure(consumer, event, attempt, max_attempts, message)
            return
        await _settle(message.ack(), consumer, event)

    async def _after_failure(
        self,
        consumer: str,
        event: Event,
        attempt: int,
        max_attempts: int,
        message: AbstractIncomingMessage,
    ) -> None:
        if attempt >= max_attempts:
            logger.exception(
                "Consumer %s failed event %s (%s) %d times; moved to %s.dlq",
                consumer,
                event.id,
                event.type,
                attempt,
                consumer,
            )
            await _settle(message.reject(requeue=False), consumer, event)
            return
        delay = exponential_delay(attempt, self._retry_base_seconds, self._retry_max_seconds)
        logger.warning(
            "Consumer %s failed event %s (%s), attempt %d of %d; retrying in %.2f s",
            consumer,
            event.id,
            event.type,
            attempt,
            max_attempts,
            delay,
            exc_info=True,
        )
        retry = aio_pika.Message(
            body=message.body,
            content_type=message.content_type,
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            type=message.type,
            timestamp=message.timestamp,
            headers={**message.headers, ATTEMPT_HEADER: attempt + 1},
            expiration=delay,
        )
        try:
            default_exchange = self._started_publish_channel().default_exchange
            await self._publish(default_exchange, retry, f"{consumer}.retry")
        except BusUnavailable:
            logger.warning("Could not schedule the retry of %s; requeueing it", event.id)
            await _settle(message.nack(requeue=True), consumer, event)
            return
        await _settle(message.ack(), consumer, event)

    def _started_exchange(self) -> AbstractRobustExchange:
        if self._exchange is None:
            raise BusUnavailable("the RabbitMQ bus is not started (or is closed)")
        return self._exchange

    def _started_publish_channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise BusUnavailable("the RabbitMQ bus is not started (or is closed)")
        return self._publish_channel

    def _started_consume_channel(self) -> AbstractRobustChannel:
        if self._consume_channel is None:
            raise BusUnavailable("the RabbitMQ bus is not started (or is closed)")
        return self._consume_channel


def _attempt_of(message: AbstractIncomingMessage) -> int:
    value: Any = message.headers.get(ATTEMPT_HEADER, 1)
    return int(value) if isinstance(value, int | str) else 1


async def _settle(settlement: Awaitable[object], consumer: str, event: Event) -> None:
    """Ack/nack/reject; when the channel is gone the broker redelivers the message later."""
    try:
        await settlement
    except BROKER_ERRORS as error:
        logger.warning(
            "Consumer %s could not settle event %s (%r); the broker will redeliver it",
            consumer,
            event.id,
            error,
        )
