"""Traces across the outbox and the broker, and their export over OTLP/HTTP.

The export goes to a receiver in this test that speaks the real protocol (protobuf
``ExportTraceServiceRequest`` POSTed to ``/v1/traces``): no collector can run here, and the
receiver is what Jaeger, Tempo and the OpenTelemetry Collector implement.
"""

import asyncio
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ReceivedSpan

from core.infra.bus.base import Event
from core.infra.bus.rabbitmq import RabbitMqBus
from core.infra.database import Database
from core.infra.outbox import OutboxRelay, add_event
from core.infra.outbox_models import OutboxEvent
from core.tracing import (
    SpanKind,
    carrier,
    configure_tracing,
    flush_tracing,
    shutdown_tracing,
    span,
    tracing_enabled,
)
from tests.fixtures.tracing import Spans
from tests.infra.bus_support import delete_rabbitmq_topology, eventually

EVENT_TYPE = "lesson.traced"


def trace_id_of(context_carrier: dict[str, str]) -> str:
    return context_carrier["traceparent"].split("-")[1]


async def test_an_outbox_event_carries_its_trace_through_rabbitmq_to_the_consumer(
    spans: Spans, database: Database, amqp_url: str
) -> None:
    exchange, consumer = f"test.trace.{uuid.uuid4().hex[:8]}", f"test.traced.{uuid.uuid4().hex[:8]}"
    bus = RabbitMqBus(amqp_url, exchange=exchange)
    await bus.start()
    handled: list[tuple[Event, dict[str, str]]] = []

    async def handle(event: Event) -> None:
        handled.append((event, carrier()))  # the context the consumer's own work runs in

    try:
        await bus.subscribe(consumer, [EVENT_TYPE], handle)
        with span("POST /lessons", kind=SpanKind.SERVER) as request:
            async with database.session() as session, session.begin():
                event_id = add_event(session, EVENT_TYPE, {"lesson": "evaporation"}).id
        request_trace = format(request.get_span_context().trace_id, "032x")
        async with database.session() as session:
            row = await session.get(OutboxEvent, event_id)
        assert row is not None and row.trace_context is not None
        assert trace_id_of(row.trace_context) == request_trace

        assert await OutboxRelay(database, bus).publish_pending() == 1
        await eventually(lambda: len(handled) == 1, within_seconds=10)
    finally:
        await bus.close()
        await delete_rabbitmq_topology(amqp_url, exchange, [consumer])

    event, consumer_context = handled[0]
    assert trace_id_of(event.trace_context) == request_trace
    assert trace_id_of(consumer_context) == request_trace
    publish = spans.one(f"{EVENT_TYPE} publish")
    process = spans.one(f"{EVENT_TYPE} process")
    assert publish.kind is SpanKind.PRODUCER and process.kind is SpanKind.CONSUMER
    assert spans.ancestors(process) == [publish, spans.one("POST /lessons")]
    assert process.attributes is not None
    assert process.attributes["messaging.consumer.group.name"] == consumer


async def test_without_tracing_nothing_is_carried(database: Database) -> None:
    assert not tracing_enabled()
    assert configure_tracing("wc-test", "") is False  # no endpoint: no exporter, no provider
    with span("not recorded") as unrecorded:
        assert not unrecorded.is_recording()
        assert carrier() == {}
        async with database.session() as session, session.begin():
            row = add_event(session, EVENT_TYPE, {})
    assert row.trace_context is None


class OtlpReceiver:
    """An OTLP/HTTP traces endpoint on loopback that decodes what it receives."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.content_types: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver.requests.append(request)
                receiver.content_types.append(self.headers["Content-Type"])
                reply = ExportTraceServiceResponse().SerializeToString()
                status = 200 if self.path == "/v1/traces" else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def spans(self) -> dict[str, tuple[str, ReceivedSpan]]:
        """Every received span by name: (service name, the span)."""
        found: dict[str, tuple[str, ReceivedSpan]] = {}
        for request in self.requests:
            for resource_spans in request.resource_spans:
                attributes = {
                    a.key: a.value.string_value for a in resource_spans.resource.attributes
                }
                for scope_spans in resource_spans.scope_spans:
                    for received in scope_spans.spans:
                        found[received.name] = (attributes["service.name"], received)
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def otlp_receiver() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    yield receiver
    receiver.stop()


async def test_spans_are_exported_over_otlp_http_when_an_endpoint_is_set(
    otlp_receiver: OtlpReceiver,
) -> None:
    assert not tracing_enabled()
    assert configure_tracing("wc-platform", otlp_receiver.url)
    try:
        with (
            span("POST /api/v1/things", kind=SpanKind.SERVER) as request,
            span("tutor_chat.respond"),
        ):
            await asyncio.sleep(0)
        flush_tracing()
    finally:
        shutdown_tracing()
    assert not tracing_enabled()

    assert otlp_receiver.content_types[0] == "application/x-protobuf"
    received = otlp_receiver.spans()
    service, server = received["POST /api/v1/things"]
    _, child = received["tutor_chat.respond"]
    assert service == "wc-platform"
    assert server.trace_id == child.trace_id == request.get_span_context().trace_id.to_bytes(16)
    assert child.parent_span_id == server.span_id
    assert server.kind == ReceivedSpan.SPAN_KIND_SERVER
