"""Learning-loop benchmarks in one run; prints a rich table.

    .venv/bin/python bench/learning.py [--statements 10000000] [--learners 20000] [--runs 40]

ClickHouse behind the dashboard: ``--statements`` learning statements are generated with numpy
(learners, verbs, objects, courses, objectives, results, a year of timestamps), written once to a
Parquet file with pyarrow and inserted into ``learning_statements`` of an embedded chDB store
(``INSERT ... SELECT FROM file()``; statement ids by ``generateUUIDv4()``). Each learner belongs
to one of 50 courses; a class is 30 learners of one course. Every query the class dashboard,
the leaderboard and progress pages run, and the badge evaluation that follows each stored
statement (for the class's first learner), is then timed on a different random class each run:

  store  the service function (``platform_api.progress.queries`` / ``streaks``) through
         ``ChdbAnalytics``, as the API calls it: worker thread, lock, parameters bound by
         ClickHouse, JSONEachRow decoded, rows shaped in Python
  bare   the very same SQL text and bound parameters on ``chdb.session.Session`` directly,
         JSONEachRow bytes returned (no decoding)

The table is merged once after the insert (``OPTIMIZE ... FINAL``, timed with the insert), as a
table live for a while would be. Both paths run in this process, one after the other, on the same
data path (one process may hold a chDB path at a time), warmed up first. Goal: store p95 < 300 ms.

Then the BKT update per graded answer next to the bare expression, numpy and hmmlearn
(``bench/mastery.py``), and short-answer grading throughput with the LLM at ``--llm-base-url``
(default: the configured one, which ``make run`` serves; ``bench/grading.py``).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chdb.session
import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from grading import grading_throughput
from mastery import bkt_update_latency, latency_table
from rich.console import Console
from rich.table import Table

from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.analytics.encoding import bind_text
from core.infra.analytics.schema import LEARNING_STATEMENTS
from core.settings import Settings
from platform_api.progress import queries
from platform_api.progress.badges import badge_rules, verdict_query, verdicts
from platform_api.progress.leaderboard import week_bounds
from platform_api.progress.statements import STATEMENTS_OF_LEARNER
from platform_api.progress.streaks import ACTIVITY_SLOTS, lookback_start, streaks

COURSES, OBJECTIVES_PER_COURSE, ITEMS_PER_COURSE, LESSONS_PER_COURSE = 50, 40, 400, 60
CLASS_SIZE, WARM_UP = 30, 3
VERBS = ["viewed", "completed", "answered", "submitted", "scored", "asked", "earned"]
VERB_SHARE = [0.20, 0.05, 0.60, 0.03, 0.03, 0.08, 0.01]
OBJECT_TYPE = {
    "viewed": "lesson",
    "completed": "lesson",
    "answered": "item",
    "submitted": "assignment",
    "scored": "assignment",
    "asked": "tutor_session",
    "earned": "badge",
}
console = Console(width=130)


def uuids(count: int, rng: np.random.Generator) -> np.ndarray:
    return np.array([str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(count)])


def dictionary(indices: np.ndarray, values: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))


def generate(statements: int, learners: int, now: datetime, seed: int) -> tuple[pa.Table, Any]:
    """The statements as an Arrow table (ids dictionary-encoded), and the id pools."""
    rng = np.random.default_rng(seed)
    learner_ids, course_ids = uuids(learners, rng), uuids(COURSES, rng)
    objective_ids = uuids(COURSES * OBJECTIVES_PER_COURSE, rng)
    object_ids = uuids(COURSES * (ITEMS_PER_COURSE + LESSONS_PER_COURSE), rng)
    learner = rng.integers(0, learners, statements, dtype=np.int32)
    course = learner % COURSES
    verb = rng.choice(len(VERBS), statements, p=VERB_SHARE).astype(np.int32)
    answered = verb == VERBS.index("answered")
    lesson_verb = verb <= VERBS.index("completed")
    per_course = ITEMS_PER_COURSE + LESSONS_PER_COURSE
    item = course * per_course + rng.integers(0, ITEMS_PER_COURSE, statements)
    lesson = (
        course * per_course + ITEMS_PER_COURSE + rng.integers(0, LESSONS_PER_COURSE, statements)
    )
    objective = course * OBJECTIVES_PER_COURSE + rng.integers(0, OBJECTIVES_PER_COURSE, statements)
    success = rng.random(statements) < 0.65
    age_ms = rng.integers(0, 365 * 24 * 3600 * 1000, statements)
    timestamp = int(now.timestamp() * 1000) - age_ms
    object_types = np.array([OBJECT_TYPE[v] for v in VERBS])
    table = pa.table(
        {
            "learner_id": dictionary(learner, learner_ids),
            "timestamp": pa.array(timestamp, pa.timestamp("ms", tz="UTC")),
            "verb": dictionary(verb, np.array(VERBS)),
            "object_type": dictionary(verb, object_types),
            "object_id": dictionary(
                np.where(answered, item, np.where(lesson_verb, lesson, item)).astype(np.int32),
                object_ids,
            ),
            "course_id": dictionary(course.astype(np.int32), course_ids),
            "objective_id": pa.array(
                objective_ids[objective], mask=~answered, type=pa.string()
            ).dictionary_encode(),
            "success": pa.array(success, mask=~answered),
            "score_raw": pa.array(success.astype(np.float64), mask=~answered),
            "score_max": pa.array(np.ones(statements), mask=~answered),
            "duration_ms": pa.array(
                rng.integers(2_000, 120_000, statements).astype(np.uint32), mask=~answered
            ),
            "revision": pa.array(answered.astype(np.uint64)),
        }
    )
    return table, (learner_ids, course_ids)


INSERT = f"""
INSERT INTO {LEARNING_STATEMENTS}
SELECT generateUUIDv4() AS statement_id, toUUID(learner_id) AS learner_id, timestamp, verb,
       object_type, object_id, '' AS object_name, toUUID(course_id) AS course_id,
       NULL AS class_id, NULL AS assignment_id, NULL AS sitting_id,
       toUUIDOrNull(objective_id) AS objective_id, success, score_raw, score_max, duration_ms,
       revision
FROM file({{path:String}}, Parquet)
"""


@dataclass
class Case:
    """One dashboard query: its SQL, its parameters for a class, and the service call."""

    name: str
    sql: str
    parameters: Callable[[list[str], str], dict[str, Any]]
    service: Callable[[ChdbAnalytics, list[str], str], Awaitable[Any]]


def cases(now: datetime) -> list[Case]:
    _, start, end = week_bounds(None, now)
    since = lookback_start(now)
    rules = badge_rules()
    badge_sql, badge_parameters = verdict_query(rules, now)

    def ids(values: list[str]) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in values]

    return [
        Case(
            "class leaderboard (week)",
            queries.LEADERBOARD_POINTS,
            lambda ls, c: {"learners": ls, "courses": [c], "start": start, "end": end},
            lambda a, ls, c: queries.leaderboard_points(a, ids(ls), ids([c]), start, end),
        ),
        Case(
            "streaks (class, 400 days)",
            ACTIVITY_SLOTS,
            lambda ls, c: {"learners": ls, "since": since},
            lambda a, ls, c: streaks(a, dict.fromkeys(ids(ls), "Europe/Berlin"), now),
        ),
        Case(
            "completion (class)",
            queries.COMPLETED_LESSONS,
            lambda ls, c: {"learners": ls},
            lambda a, ls, c: queries.completed_lessons(a, ids(ls)),
        ),
        Case(
            "mastery grid answers",
            queries.OBJECTIVE_ANSWERS,
            lambda ls, c: {"learners": ls, "courses": [c]},
            lambda a, ls, c: queries.objective_answers(a, ids(ls), ids([c])),
        ),
        Case(
            "most wrong items",
            queries.MOST_WRONG_ITEMS,
            lambda ls, c: {"learners": ls, "courses": [c], "limit": 10},
            lambda a, ls, c: queries.most_wrong_items(a, ids(ls), ids([c]), 10),
        ),
        Case(
            "last active (inactive)",
            queries.LAST_ACTIVE,
            lambda ls, c: {"learners": ls},
            lambda a, ls, c: queries.last_active(a, ids(ls)),
        ),
        Case(
            f"a learner's badge rules (all {len(rules)})",
            badge_sql,
            lambda ls, c: badge_parameters | {"learner_id": ls[0]},
            lambda a, ls, c: verdicts(a, uuid.UUID(ls[0]), "Europe/Berlin", rules, now),
        ),
        Case(
            "a learner's statements page",
            STATEMENTS_OF_LEARNER,
            lambda ls, c: {"learner_id": ls[0], "limit": 50, "offset": 0},
            lambda a, ls, c: a.query(
                STATEMENTS_OF_LEARNER, {"learner_id": ls[0], "limit": 50, "offset": 0}
            ),
        ),
    ]


def classes(pools: Any, runs: int, seed: int) -> list[tuple[list[str], str]]:
    """``runs`` random classes: 30 learners of one course each (learner i takes course i % 50)."""
    learner_ids, course_ids = pools
    rng = np.random.default_rng(seed + 1)
    picked = []
    for _ in range(runs + WARM_UP):
        course = int(rng.integers(0, COURSES))
        members = np.arange(course, len(learner_ids), COURSES)
        chosen = rng.choice(members, CLASS_SIZE, replace=False)
        picked.append(([str(learner_ids[i]) for i in chosen], str(course_ids[course])))
    return picked


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def time_store(
    store: ChdbAnalytics, case: Case, runs: list[tuple[list[str], str]]
) -> list[float]:
    samples = []
    for number, (learners, course) in enumerate(runs):
        began = time.perf_counter()
        await case.service(store, learners, course)
        if number >= WARM_UP:
            samples.append((time.perf_counter() - began) * 1000)
    return samples


def time_bare(
    session: chdb.session.Session, case: Case, runs: list[tuple[list[str], str]]
) -> list[float]:
    samples = []
    for number, (learners, course) in enumerate(runs):
        parameters = bind_text(case.parameters(learners, course))
        began = time.perf_counter()
        session.query(case.sql, "JSONEachRow", params=parameters)
        if number >= WARM_UP:
            samples.append((time.perf_counter() - began) * 1000)
    return samples


async def load(path: Path, table: pa.Table, work: Path) -> tuple[float, float, int]:
    """Write the Parquet file, insert it and merge; return (write s, insert s, rows stored)."""
    began = time.perf_counter()
    parquet = work / "statements.parquet"
    pq.write_table(table, parquet, compression="zstd")
    written = time.perf_counter() - began
    store = ChdbAnalytics(path)
    await store.ensure_schema()
    began = time.perf_counter()
    await store.execute(INSERT, {"path": str(parquet)})
    # Settle the parts as a table that has been live a while would be (the background merges
    # would otherwise run under the first timings only).
    await store.execute(f"OPTIMIZE TABLE {LEARNING_STATEMENTS} FINAL")
    inserted = time.perf_counter() - began
    [row] = await store.query(f"SELECT count() AS n FROM {LEARNING_STATEMENTS}")
    await store.close()
    parquet.unlink()
    return written, inserted, int(row["n"])


async def measure_store(path: Path, all_cases: list[Case], runs: Any) -> dict[str, list[float]]:
    store = ChdbAnalytics(path)
    timings = {}
    try:
        for case in all_cases:
            timings[case.name] = await time_store(store, case, runs)
            console.print(f"store  {case.name}: p50 {percentiles(timings[case.name])[0]:.1f} ms")
        return timings
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=10_000_000)
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--llm-base-url", default=Settings().llm_base_url)
    arguments = parser.parse_args()
    now = datetime.now(UTC)

    began = time.perf_counter()
    table, pools = generate(arguments.statements, arguments.learners, now, arguments.seed)
    generated = time.perf_counter() - began
    with tempfile.TemporaryDirectory(prefix="wc-bench-learning-") as folder:
        work, path = Path(folder), Path(folder) / "clickhouse"
        written, inserted, stored = asyncio.run(load(path, table, work))
        del table
        console.print(
            f"{stored:,} statements ({arguments.learners:,} learners, {COURSES} courses): "
            f"generated in {generated:.1f} s (numpy + pyarrow), Parquet {written:.1f} s, "
            f"chDB insert + merge {inserted:.1f} s ({stored / inserted:,.0f} rows/s)"
        )
        all_cases = cases(now)
        runs = classes(pools, arguments.runs, arguments.seed)
        store_ms = asyncio.run(measure_store(path, all_cases, runs))
        session = chdb.session.Session(str(path))
        try:
            bare_ms = {}
            for case in all_cases:
                bare_ms[case.name] = time_bare(session, case, runs)
                console.print(
                    f"bare   {case.name}: p50 {percentiles(bare_ms[case.name])[0]:.1f} ms"
                )
        finally:
            session.close()
    print_table(all_cases, store_ms, bare_ms, arguments.runs)
    console.print(latency_table(bkt_update_latency()))
    measure_grading(arguments.llm_base_url)


def measure_grading(llm_base_url: str) -> None:
    try:
        httpx.get(f"{llm_base_url}/models", timeout=5).raise_for_status()
    except httpx.HTTPError as error:
        console.print(
            f"grading throughput: no LLM answers at {llm_base_url} ({error}); start one with "
            "`make run` or `.venv/bin/wc serve`, or pass --llm-base-url"
        )
        return
    asyncio.run(grading_throughput(llm_base_url))


def print_table(
    all_cases: list[Case],
    store_ms: dict[str, list[float]],
    bare_ms: dict[str, list[float]],
    runs: int,
) -> None:
    table = Table(title=f"Dashboard queries on chDB, {runs} random 30-learner classes each (ms)")
    for column in ("query", "store p50", "store p95", "bare p50", "bare p95", "p95 ratio", "goal"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for case in all_cases:
        store_p50, store_p95 = percentiles(store_ms[case.name])
        bare_p50, bare_p95 = percentiles(bare_ms[case.name])
        table.add_row(
            case.name,
            f"{store_p50:.1f}",
            f"{store_p95:.1f}",
            f"{bare_p50:.1f}",
            f"{bare_p95:.1f}",
            f"{store_p95 / bare_p95:.2f}x",
            "ok" if store_p95 < 300 else "MISSED (< 300)",
        )
    console.print(table)


if __name__ == "__main__":
    main()
