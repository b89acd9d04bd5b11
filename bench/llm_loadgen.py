"""Closed-loop load for streaming LLM requests: C workers send N requests back to back and record
each request's time to first token and output tokens. The generator knows nothing of the engine:
a path supplies one coroutine per request, so every path is measured by the same loop. Each level
also records how much of the machine's CPU went to processes outside this benchmark's tree, since
on a shared 2-core machine that, not the serving stack, can explain a gap between paths."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import psutil

PromptT = TypeVar("PromptT")

# Short tutoring questions; the same list, in the same order, drives every path.
QUESTIONS: tuple[str, ...] = (
    "Explain photosynthesis to a ten-year-old.",
    "Why is the sky blue?",
    "What is a prime number? Give three examples.",
    "How do I add fractions with different denominators?",
    "What causes the seasons on Earth?",
    "Explain what a verb is, with examples.",
    "Why do objects fall at the same rate in a vacuum?",
    "What is the water cycle?",
)


@dataclass(frozen=True)
class StreamTiming:
    """One streamed request: seconds to its first non-empty text, and its token counts."""

    ttft_s: float
    output_tokens: int
    prompt_tokens: int


@dataclass(frozen=True)
class LevelResult:
    """All requests of one concurrency level, and the wall time the level took."""

    concurrency: int
    timings: list[StreamTiming]
    wall_s: float
    others_cpu: float  # share of all CPUs busy with processes outside this benchmark

    @property
    def ttft_p50_ms(self) -> float:
        return statistics.median(t.ttft_s for t in self.timings) * 1000

    @property
    def ttft_mean_ms(self) -> float:
        return statistics.fmean(t.ttft_s for t in self.timings) * 1000

    @property
    def output_tokens(self) -> int:
        return sum(t.output_tokens for t in self.timings)

    @property
    def tokens_per_s(self) -> float:
        """Aggregate decode throughput: every output token of the level over its wall time."""
        return self.output_tokens / self.wall_s


@dataclass(frozen=True)
class CpuSnapshot:
    wall_s: float
    machine_busy_s: float
    own_busy_s: float

    @classmethod
    def take(cls) -> "CpuSnapshot":
        machine = psutil.cpu_times()
        machine_busy = sum(
            getattr(machine, field, 0.0)
            for field in ("user", "nice", "system", "irq", "softirq", "steal")
        )
        return cls(time.perf_counter(), machine_busy, _own_tree_busy_s())

    def others_share_until(self, later: "CpuSnapshot") -> float:
        others_s = (later.machine_busy_s - self.machine_busy_s) - (
            later.own_busy_s - self.own_busy_s
        )
        capacity_s = (later.wall_s - self.wall_s) * (psutil.cpu_count() or 1)
        return max(0.0, others_s / capacity_s)


def _own_tree_busy_s() -> float:
    """CPU seconds of this process and its descendants (engine processes, a local Ray)."""
    root = psutil.Process()
    busy = 0.0
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.Error:  # exited or a zombie between listing and reading
            continue
        busy += times.user + times.system
    return busy


def requests_for(concurrency: int, requests_per_level: int) -> int:
    """At least ``requests_per_level`` requests, rounded up to at least two full waves, so a
    concurrent level is not measured on a single batch."""
    waves = max(2, -(-requests_per_level // concurrency)) if concurrency > 1 else requests_per_level
    return waves * concurrency


async def run_level(
    send: Callable[[PromptT], Awaitable[StreamTiming]],
    prompts: Sequence[PromptT],
    concurrency: int,
    requests: int,
) -> LevelResult:
    """Send ``requests`` requests from ``concurrency`` workers; request i uses prompt i mod len."""
    pending = list(range(requests))
    timings: list[StreamTiming] = []

    async def worker() -> None:
        while pending:
            index = pending.pop(0)
            timings.append(await send(prompts[index % len(prompts)]))

    before = CpuSnapshot.take()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    after = CpuSnapshot.take()
    return LevelResult(
        concurrency, timings, after.wall_s - before.wall_s, before.others_share_until(after)
    )
