"""Distributed traces (OpenTelemetry): one span tree from an HTTP request to the LLM call.

Tracing is off unless an OTLP endpoint is configured (``WC_OTLP_ENDPOINT``): then each process
sets up one SDK tracer provider at start (``configure_tracing``) that batches spans to
``<endpoint>/v1/traces`` over OTLP/HTTP (protobuf), which Jaeger, Grafana Tempo and any
OpenTelemetry Collector accept. Off, every helper here returns at once without touching the
OpenTelemetry context, so hot paths pay one attribute read; no exporter exists and nothing is
sent anywhere.

The provider is held here rather than as OpenTelemetry's global one, so that a test can install
an in-memory exporter for a while and take it away again (the global can be set only once).
Contexts cross process boundaries as W3C ``traceparent``/``tracestate`` carriers (plain
``dict[str, str]``): HTTP headers, AMQP headers and the outbox's ``trace_context`` column.
"""

import atexit
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import INVALID_SPAN, NoOpTracer, Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

__all__ = [
    "Span",
    "SpanKind",
    "carrier",
    "configure_tracing",
    "context_of",
    "current_ids",
    "install_provider",
    "record_error",
    "shutdown_tracing",
    "span",
    "start_span",
    "traced",
    "tracing_enabled",
    "uninstall_provider",
]

logger = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
INSTRUMENTATION_NAME = "water_classroom"
_PROPAGATOR = TraceContextTextMapPropagator()
_NO_OP_TRACER = NoOpTracer()
_NO_SPAN = nullcontext(INVALID_SPAN)  # reusable: entering it does nothing

P = ParamSpec("P")
R = TypeVar("R")


class _Tracing:
    """This process's provider and tracer; ``provider is None`` means tracing is off."""

    provider: "TracerProvider | None" = None
    tracer: Tracer = _NO_OP_TRACER


_tracing = _Tracing()


def tracing_enabled() -> bool:
    return _tracing.provider is not None


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL of a collector's base URL (``http://host:4318``); a URL that
    already ends in ``/v1/traces`` is taken as it is."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def configure_tracing(service_name: str, endpoint: str, sample_ratio: float = 1.0) -> bool:
    """Set up this process's tracing once; return whether tracing is on.

    An empty ``endpoint`` changes nothing (tracing stays off, or as a test installed it), and so
    does a second call: the first configuration of a process wins. The exporter's other options
    (headers, timeout, compression, certificates) come from the standard
    ``OTEL_EXPORTER_OTLP_*`` environment variables, which the OpenTelemetry exporter reads.
    """
    if not endpoint or tracing_enabled():
        return tracing_enabled()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(traces_url(endpoint))))
    install_provider(provider)
    atexit.register(shutdown_tracing)
    logger.info(
        "tracing on",
        extra={"otlp_traces_url": traces_url(endpoint), "service": service_name},
    )
    return True


def install_provider(provider: "TracerProvider") -> None:
    """Make ``provider`` this process's tracer provider (tests install an in-memory one)."""
    _tracing.provider = provider
    _tracing.tracer = provider.get_tracer(INSTRUMENTATION_NAME)


def uninstall_provider() -> None:
    """Turn tracing off again, without shutting the provider down (its owner does)."""
    _tracing.provider = None
    _tracing.tracer = _NO_OP_TRACER


def flush_tracing(timeout_millis: int = 5000) -> None:
    """Send the spans still batched (at a process's orderly stop)."""
    if _tracing.provider is not None:
        _tracing.provider.force_flush(timeout_millis)


def shutdown_tracing() -> None:
    """Flush and stop the exporter, and turn tracing off."""
    provider = _tracing.provider
    uninstall_provider()
    if provider is not None:
        provider.shutdown()


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
    parent: Context | None = None,
) -> AbstractContextManager[Span]:
    """A span that is the current one inside the block (its children nest under it); an
    exception leaving the block is recorded on it. ``parent``: a context extracted from a
    carrier, else the current span is the parent. Off, one shared do-nothing block."""
    if _tracing.provider is None:
        return _NO_SPAN
    return _tracing.tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=dict(attributes or {})
    )


def start_span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None
) -> Span:
    """A child of the current span that is NOT made current: for work that spans an async
    generator's yields (a token stream), where attaching a context could be undone in another
    task. The caller ends it."""
    if _tracing.provider is None:
        return INVALID_SPAN
    return _tracing.tracer.start_span(name, kind=kind, attributes=dict(attributes or {}))


def record_error(failed: Span, error: BaseException) -> None:
    """Mark a span that is not the current one as failed by ``error``."""
    if failed.is_recording():
        failed.record_exception(error)
        failed.set_status(Status(StatusCode.ERROR, type(error).__name__))


def carrier(of: Span | None = None) -> dict[str, str]:
    """The W3C trace context of ``of`` (default: the current span) to send along; empty when
    tracing is off or no span is active."""
    if _tracing.provider is None:
        return {}
    headers: dict[str, str] = {}
    context = trace.set_span_in_context(of) if of is not None else None
    _PROPAGATOR.inject(headers, context=context)
    return headers


def context_of(headers: Mapping[str, Any] | None) -> Context | None:
    """The context a carrier names, to continue its trace; None when there is none."""
    if _tracing.provider is None or not headers:
        return None
    text = {key: str(value) for key, value in headers.items()}
    if "traceparent" not in text:
        return None
    return _PROPAGATOR.extract(text)


def current_ids() -> tuple[str, str] | None:
    """The (trace id, span id) of the active span as hex, for log lines; None without one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def traced(
    name: str, attributes: Mapping[str, Any] | None = None
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Run an async function inside a span named ``name`` (graph nodes, retrieval)."""

    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(function)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if _tracing.provider is None:
                return await function(*args, **kwargs)
            with span(name, attributes=attributes):
                return await function(*args, **kwargs)

        return run

    return decorate
