"""Tracing overhead on a hot path: what ``core.tracing`` adds to one awaited call, off (no
endpoint: the default) and on (SDK provider, spans handed to a processor that drops them, so
the export itself is not measured), next to the bare call in the same run.

    .venv/bin/python bench/tracing_overhead.py [--calls 200000]

Prints a table: ns per call and the ratio to the bare call, for ``span()`` around a call,
``@traced`` on a coroutine, and ``carrier()`` (what every LLM request and outbox row pay).
"""

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from core.tracing import carrier, install_provider, span, traced, uninstall_provider


class DroppingExporter(SpanExporter):
    def export(self, spans: object) -> SpanExportResult:
        return SpanExportResult.SUCCESS


async def work() -> int:
    return 1


@traced("bench.work")
async def traced_work() -> int:
    return 1


async def in_span() -> int:
    with span("bench.work"):
        return await work()


async def with_carrier() -> int:
    return len(carrier())


async def per_call_ns(call: Callable[[], Awaitable[int]], calls: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(calls):
        await call()
    return (time.perf_counter_ns() - started) / calls


async def measure(calls: int) -> list[tuple[str, str, float, float]]:
    rows = []
    for mode in ("off", "on"):
        provider = None
        if mode == "on":
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(DroppingExporter()))
            install_provider(provider)
        bare = await per_call_ns(work, calls)
        for name, call in (
            ("span()", in_span),
            ("@traced", traced_work),
            ("carrier()", with_carrier),
        ):
            rows.append((mode, name, await per_call_ns(call, calls), bare))
        if provider is not None:
            uninstall_provider()
            provider.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    calls = parser.parse_args().calls
    rows = asyncio.run(measure(calls))
    print(f"{'tracing':<8} {'helper':<10} {'ns/call':>10} {'bare ns':>9} {'ratio':>7}")
    for mode, name, ns, bare in rows:
        print(f"{mode:<8} {name:<10} {ns:>10.0f} {bare:>9.0f} {ns / bare:>7.2f}")


if __name__ == "__main__":
    main()
