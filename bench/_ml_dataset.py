"""Dataset-build benchmark: the pipeline's ClickHouse stage over 1M synthetic captured turns, next
to the bare chDB query that makes the same selection.

The store is filled in bulk (numpy draws, an Arrow table, one ``INSERT … SELECT FROM Python()``
per table): ~55% of turns rated up (a tenth of those also rated down), 10% down only, the rest
unrated; 8% refused or flagged, 5% off topic; 30% Socratic, some with options written in the
question; 1% with an e-mail address. Three rows are measured, each over the same store:

- ``bare chDB query``: the selection (``tutor_turns.SELECTION``) in one query, read as Arrow;
- ``store pages``: the same through ``AnalyticsStore.query`` a page at a time (JSON rows), as the
  pipeline reads it;
- ``pipeline``: the pipeline's read + filter + transform: ``collect_tutor_turns`` (pages, the
  leak re-check, the rows) and the personal-data scrub every row gets (``scrubbing.scrubbed``).

``rows/s`` counts captured turns scanned per second (the 1M), so the rows compare like for like.

    python bench/_ml_dataset.py [--turns N] (prints the table; bench/ml.py calls ``measure``)
"""

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pyarrow as pa

from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.analytics.encoding import bind_text
from core.infra.analytics.schema import SCHEMA
from pipelines.datasets.config import DatasetConfig
from pipelines.datasets.scrubbing import scrubbed
from pipelines.datasets.tutor_turns import (
    ANSWERED_INTENTS,
    SELECTED_COLUMNS,
    SELECTION,
    TurnFilter,
    collect_tutor_turns,
    selected_turns,
)

TURNS = 1_000_000
LEARNERS = 20_000
COURSES = 20
PAGE_ROWS = DatasetConfig.model_fields["page_rows"].default  # the pipeline's own page size
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
START_MS = int(SINCE.timestamp() * 1000)
HALF_YEAR_MS = 182 * 24 * 3600 * 1000
INTENTS = ("content_question", "homework_help", "off_topic", "unsafe", "exam_in_progress")
INTENT_SHARES = (0.75, 0.12, 0.05, 0.03, 0.05)
WORDS = np.array(
    """
    mean median mode variance deviation sample population histogram quartile outlier z-score
    probability normal binomial poisson hypothesis interval confidence regression correlation
    slope residual proportion estimate error margin test statistic significance tissue cell
    neuron hormone enzyme membrane kidney heart lung muscle bone protein receptor
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
QUESTIONS = (
    "Why does the {a} change when the {b} grows in my {c} exercise?",
    "How do I find the {a} of a {b} sample when n is {n}?",
    "What is the difference between the {a} and the {b}?",
    "Which one is a {a}? a) the {b} b) the {c} c) the {d}",
    "Can you explain {a} and {b} with an example about {c}?",
)
ANSWERS = (
    "The {a} depends on the {b} [1]. Think of {c}: when it grows, the {a} follows [2].\n\n"
    "Sources: [1] Lesson {n}; [2] Lesson {m}",
    "What do you already know about the {a}? Look at how source [1] defines the {b}.\n\n"
    "Sources: [1] Lesson {n}",
    "Start from the {a}: compute it first, then compare it with the {b} [1].\n\n"
    "Sources: [1] Lesson {n}",
)


@dataclass(frozen=True)
class DatasetTiming:
    name: str
    turns_scanned: int
    rows_out: int
    seconds: float
    others_cpu: float  # share of the machine's CPU used by other processes meanwhile

    @property
    def rows_per_s(self) -> float:
        return self.turns_scanned / self.seconds


class CpuWatch:
    """Machine CPU used since start by processes other than this one."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.machine_s, self.own_s = self._busy()

    @staticmethod
    def _busy() -> tuple[float, float]:
        machine = psutil.cpu_times()
        fields = ("user", "nice", "system", "irq", "softirq", "steal")
        own = psutil.Process().cpu_times()
        return sum(getattr(machine, f, 0.0) for f in fields), own.user + own.system

    def others_share(self) -> float:
        machine_s, own_s = self._busy()
        others = (machine_s - self.machine_s) - (own_s - self.own_s)
        return max(0.0, others / ((time.perf_counter() - self.started) * (psutil.cpu_count() or 1)))


# -- filling the store --------------------------------------------------------------------------


def uuids(rng: np.random.Generator, count: int) -> pa.FixedSizeBinaryArray:
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), count, [None, pa.py_buffer(rng.bytes(16 * count))]
    )


def pick(ids: pa.FixedSizeBinaryArray, index: np.ndarray) -> pa.Array:
    return ids.take(pa.array(index))


def texts(rng: np.random.Generator, count: int) -> tuple[list[str], list[str]]:
    """Questions and answers from templates with drawn words; 1% carry an e-mail address."""
    words = WORDS[rng.integers(0, len(WORDS), (count, 4))].tolist()
    numbers = rng.integers(2, 500, (count, 2)).tolist()
    question_kind = rng.integers(0, len(QUESTIONS), count).tolist()
    answer_kind = rng.integers(0, len(ANSWERS), count).tolist()
    with_email = (rng.random(count) < 0.01).tolist()
    questions, answers = [], []
    for row in range(count):
        a, b, c, d = words[row]
        n, m = numbers[row]
        question = QUESTIONS[question_kind[row]].format(a=a, b=b, c=c, d=d, n=n)
        if with_email[row]:
            question = f"I'm learner{n}@example.org. {question}"
        questions.append(question)
        answers.append(ANSWERS[answer_kind[row]].format(a=a, b=b, c=c, n=n, m=m))
    return questions, answers


def fill(connection: Any, turns: int, seed: int = 0) -> dict[str, int]:
    """``turns`` captured turns and their feedback; returns how many of each kind."""
    rng = np.random.default_rng(seed)
    turn_ids = uuids(rng, turns)
    learners = pick(uuids(rng, LEARNERS), rng.integers(0, LEARNERS, turns))
    courses = pick(uuids(rng, COURSES), rng.integers(0, COURSES, turns))
    intent = rng.choice(len(INTENTS), turns, p=INTENT_SHARES)
    questions, answers = texts(rng, turns)
    table = pa.table(
        {
            "turn": turn_ids,
            "session": uuids(rng, turns),
            "learner": learners,
            "course": courses,
            "at_ms": START_MS + rng.integers(0, HALF_YEAR_MS, turns),
            "question": pa.array(questions),
            "answer": pa.array(answers),
            "intent": pa.array(np.array(INTENTS)[intent]),
            "mode": pa.array(np.where(rng.random(turns) < 0.3, "socratic", "explain")),
            "refused": pa.array(intent >= 3),
        }
    )
    connection.query(
        """
        INSERT INTO tutor_turns (turn_id, session_id, learner_id, course_id, occurred_at,
            question, answer, intent, mode, refused, latency_ms, ttft_ms, prompt_tokens,
            completion_tokens, model)
        SELECT reinterpretAsUUID(turn), reinterpretAsUUID(session), reinterpretAsUUID(learner),
            reinterpretAsUUID(course), fromUnixTimestamp64Milli(at_ms, 'UTC'), question, answer,
            intent, mode, refused, 900, 90, 1400, 200, 'smollm2-135m-instruct'
        FROM Python(table)
        """
    )
    return fill_feedback(connection, rng, table)


def fill_feedback(connection: Any, rng: np.random.Generator, turns: pa.Table) -> dict[str, int]:
    draw = rng.random(len(turns))
    up, down_only = draw < 0.55, (draw >= 0.55) & (draw < 0.65)
    also_down = up & (rng.random(len(turns)) < 0.1)
    rated = np.concatenate([np.flatnonzero(up), np.flatnonzero(down_only | also_down)])
    ratings = ["up"] * int(up.sum()) + ["down"] * int((down_only | also_down).sum())
    feedback = pa.table(  # noqa: F841 (the INSERT below reads it by name: Python(feedback))
        {
            "feedback": uuids(rng, len(rated)),
            "turn": pick(turns["turn"].combine_chunks(), rated),
            "learner": pick(turns["learner"].combine_chunks(), rated),
            "rating": pa.array(ratings),
            "at_ms": pick(turns["at_ms"].combine_chunks(), rated),
        }
    )
    connection.query(
        """
        INSERT INTO tutor_feedback (feedback_id, turn_id, learner_id, rating, comment, occurred_at)
        SELECT reinterpretAsUUID(feedback), reinterpretAsUUID(turn), reinterpretAsUUID(learner),
            rating, '', fromUnixTimestamp64Milli(at_ms + 60000, 'UTC')
        FROM Python(feedback)
        """
    )
    liked = int(up.sum())
    return {"turns": len(turns), "rated_up": liked, "rated_down": len(ratings) - liked}


# -- measuring ----------------------------------------------------------------------------------


def bare_query(connection: Any) -> tuple[int, float]:
    """The selection in one query, read as an Arrow table: rows and seconds."""
    parameters = bind_text({"since": SINCE, "answered": list(ANSWERED_INTENTS)})
    started = time.perf_counter()
    sql = f"SELECT {SELECTED_COLUMNS} {SELECTION}"
    result = connection.query(sql, "ArrowTable", params=parameters)
    return result.num_rows, time.perf_counter() - started


async def store_pages(store: ChdbAnalytics) -> int:
    count = 0
    async for page in selected_turns(store, SINCE, PAGE_ROWS):
        count += len(page)
    return count


async def pipeline_stage(store: ChdbAnalytics) -> int:
    """What the pipeline does with ClickHouse's turns before the dataset-wide steps."""
    collected = await collect_tutor_turns(store, SINCE, TurnFilter(frozenset(), None), PAGE_ROWS)
    return sum(1 for row in collected.rows if not isinstance(scrubbed(row), str))


def timed(name: str, turns: int, work: Callable[[], int]) -> DatasetTiming:
    watch = CpuWatch()
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    return DatasetTiming(name, turns, rows, seconds, watch.others_share())


def measure(work_dir: Path, turns: int = TURNS) -> tuple[dict[str, int], list[DatasetTiming]]:
    """Fill a chDB store under ``work_dir`` and time the three reads; the store is one process's
    (one chDB data path per process), so it is opened by each step in turn."""
    import chdb

    path = work_dir / "clickhouse"
    connection = chdb.connect(str(path))
    try:
        for statement in SCHEMA:
            connection.query(statement)
        filled = fill(connection, turns)
        connection.query("OPTIMIZE TABLE tutor_turns FINAL")  # parts merged, as a day-old store
        connection.query("OPTIMIZE TABLE tutor_feedback FINAL")
        bare = timed("bare chDB query (Arrow)", turns, lambda: bare_query(connection)[0])
    finally:
        connection.close()
    store = ChdbAnalytics(path)
    try:
        pages = timed("store pages (JSON rows)", turns, lambda: asyncio.run(store_pages(store)))
        stage = timed(
            "pipeline read+filter+transform", turns, lambda: asyncio.run(pipeline_stage(store))
        )
    finally:
        asyncio.run(store.close())
    return filled, [bare, pages, stage]


def table_rows(timings: list[DatasetTiming]) -> list[dict[str, str]]:
    """The rows of bench/ml.py's table: ``vs bare`` is rows/s over the bare query's rows/s."""
    bare = timings[0]
    return [
        {
            "path": t.name,
            "turns": f"{t.turns_scanned:,}",
            "rows out": f"{t.rows_out:,}",
            "seconds": f"{t.seconds:.2f}",
            "turns/s": f"{t.rows_per_s:,.0f}",
            "vs bare": f"{t.rows_per_s / bare.rows_per_s:.3f}×",
            "others' CPU": f"{t.others_cpu:.0%}",
        }
        for t in timings
    ]


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=TURNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wc-bench-dataset-") as folder:
        filled, timings = measure(Path(folder), args.turns)
    table = Table(title=f"dataset build from ClickHouse: {filled}")
    rows = table_rows(timings)
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "path" else "right")
    for row in rows:
        table.add_row(*row.values())
    Console().print(table)


if __name__ == "__main__":
    main()
