"""Spans of the event bus, linked across the broker by the W3C context each event carries.

A publish is a PRODUCER span (a child of the request that wrote the outbox row, or of the
current span) and the event leaves with that span's context in ``Event.trace_context`` (and, on
RabbitMQ, in the message headers too, where other AMQP tools look for it). Each delivery to a
consumer is a CONSUMER span whose parent is that context: the consumer's own work (its SQL, its
further events) joins the trace of the request that caused the event. Off when tracing is off.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from core.infra.bus.base import Event
from core.tracing import Span, SpanKind, carrier, context_of, span, tracing_enabled


def _attributes(event: Event, operation: str) -> dict[str, Any]:
    return {
        "messaging.operation.type": operation,
        "messaging.destination.name": event.type,
        "messaging.message.id": str(event.id),
    }


@contextmanager
def publish_span(event: Event, written_under: Mapping[str, str] | None = None) -> Iterator[Event]:
    """The event to publish, inside its publish span: ``written_under`` is the context the
    outbox row recorded (else the current span is the parent); the event carries the span's."""
    if not tracing_enabled():
        yield event
        return
    with span(
        f"{event.type} publish",
        kind=SpanKind.PRODUCER,
        attributes=_attributes(event, "publish"),
        parent=context_of(written_under),
    ) as producer:
        yield event.model_copy(update={"trace_context": carrier(producer)})


def with_current_context(event: Event) -> Event:
    """An event published straight to the bus (not through the outbox) carries the current
    span's context, unless it already carries one."""
    if event.trace_context or not tracing_enabled():
        return event
    return event.model_copy(update={"trace_context": carrier()})


@contextmanager
def consume_span(
    consumer: str, event: Event, headers: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """The span of one delivery of ``event`` to ``consumer``; ``headers``: the transport's
    headers, which take precedence over the body's context when they carry one."""
    parent = context_of(headers) or context_of(event.trace_context)
    attributes = {**_attributes(event, "process"), "messaging.consumer.group.name": consumer}
    with span(
        f"{event.type} process", kind=SpanKind.CONSUMER, attributes=attributes, parent=parent
    ) as delivery:
        yield delivery
