"""The embedding refresh: another model's index is filled on Ray beside the live one while
searches keep answering, then switched in one transaction; a rollback switches back; the
incremental run re-embeds only a changed lesson; a second refresh at once is refused.

The second model is MiniLM with a seeded 384→256 projection head (tests/pipelines/
embedding_models.py): a real sentence-transformers directory, configured by path, whose vectors
differ from the bundled model's in value and dimension.
"""

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from core.infra.database import Database
from pipelines.embeddings.config import RefreshConfig
from pipelines.embeddings.pipeline import RefreshResult, run
from rag.ingest import ingest_course
from rag.models import RagChunk, RagIndex
from rag.retrieve import search
from tests.pipelines.embedding_models import PROJECTED_DIMENSIONS, save_projected_minilm
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, VOLCANOES, make_course

QUESTIONS = [
    "Which enzyme fixes carbon dioxide into sugars in the stroma?",
    "why does my loop never stop running",
    "What makes some eruptions explosive?",
]
# A search answer: (the question, the chunk ids it returned).
Answer = tuple[str, list[uuid.UUID]]


@pytest.fixture(scope="module")
def projected_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(save_projected_minilm(tmp_path_factory.mktemp("models") / "minilm-projected"))


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One MLflow store for the module (creating its tables takes seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module", autouse=True)
def ray_down_afterwards() -> Iterator[None]:
    """The pipeline starts a local Ray in this process; the next module must not inherit it."""
    yield
    import sys

    if "ray" in sys.modules:
        import ray

        ray.shutdown()


def refresh_config(database_url: str, tracking_uri: str, **fields: object) -> RefreshConfig:
    defaults: dict[str, object] = {
        "database_url": database_url,
        "tracking_uri": tracking_uri,
        "workers": 2,
        "lessons_per_task": 1,  # three lessons, three batches over the two workers
        "watermark_margin_seconds": 0,
    }
    return RefreshConfig.model_validate({**defaults, **fields})


async def chunk_ids_by_index(database: Database) -> dict[int, set[uuid.UUID]]:
    async with database.session() as session:
        rows = (await session.execute(select(RagChunk.index_id, RagChunk.id))).all()
    found: dict[int, set[uuid.UUID]] = {}
    for index_id, chunk_id in rows:
        found.setdefault(index_id, set()).add(chunk_id)
    return found


async def index_states(database: Database) -> dict[int, str]:
    async with database.session() as session:
        rows = (await session.execute(select(RagIndex.id, RagIndex.state))).all()
    return dict(rows)  # type: ignore[arg-type]


async def search_until(
    stop: asyncio.Event, database: Database, course_id: uuid.UUID, answers: list[Answer]
) -> None:
    """Ask the questions in turn until told to stop; an error or an empty answer ends it."""
    while not stop.is_set():
        for question in QUESTIONS:
            hits = await search(database, question, [course_id], k=3)
            assert hits, f"no hits for {question!r} after {len(answers)} answers"
            answers.append((question, [hit.chunk_id for hit in hits]))
        await asyncio.sleep(0.2)  # a reader's pace, not a load test: the refresh needs the cores


async def refresh_while_searching(
    database: Database, course_id: uuid.UUID, config: RefreshConfig
) -> tuple[RefreshResult, list[Answer], int]:
    """Run the refresh in a thread while searches run here; return its result, every answer,
    and how many answers came before the refresh returned."""
    answers: list[Answer] = []
    stop = asyncio.Event()
    searching = asyncio.create_task(search_until(stop, database, course_id, answers))
    try:
        result = await asyncio.to_thread(run, config)
        during = len(answers)
        deadline = time.monotonic() + 30
        while len(answers) < during + 2 * len(QUESTIONS) and not searching.done():
            assert time.monotonic() < deadline, "searches stopped answering after the switch"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await searching  # raises the loop's error, if any
    return result, answers, during


def index_of(answer: Answer, chunks: dict[int, set[uuid.UUID]]) -> int:
    """The one index all of an answer's chunks come from (an answer never mixes two)."""
    owners = {index_id for index_id, ids in chunks.items() if set(answer[1]) <= ids}
    assert len(owners) == 1, (answer, owners)
    return owners.pop()


async def test_refresh_to_another_model_switches_while_searches_answer(
    database: Database, database_url_for_test: str, tracking_uri: str, projected_model: str
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    await ingest_course(database, course.course_id)  # the live index: bundled MiniLM, 384-d
    (live,) = (await index_states(database)).keys()
    config = refresh_config(database_url_for_test, tracking_uri, embedding_model=projected_model)

    result, answers, during = await refresh_while_searching(database, course.course_id, config)

    assert (result.mode, result.index_switched, result.previous_index_id) == ("full", True, live)
    assert (result.embedding_model, result.dimensions) == (projected_model, PROJECTED_DIMENSIONS)
    assert (result.lessons_checked, result.lessons_embedded) == (3, 3)
    new = result.index_id
    assert await index_states(database) == {live: "retired", new: "active"}  # one kept back
    chunks = await chunk_ids_by_index(database)
    assert result.chunks_embedded == len(chunks[new]) >= 3
    # Every answer came from one index: the live one until the switch, the new one after it.
    served = [index_of(answer, chunks) for answer in answers]
    assert served[0] == live and served[-1] == new, served
    assert served == sorted(served, key=[live, new].index), "an answer went back to the old index"
    assert served[:during].count(live) >= len(QUESTIONS), "too few searches during the refresh"
    async with database.session() as session:
        dimensions = await session.scalar(
            select(func.vector_dims(RagChunk.embedding)).where(RagChunk.index_id == new).limit(1)
        )
        vector_indexes = set(
            await session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'rag_chunks'")
            )
        )
    assert dimensions == PROJECTED_DIMENSIONS
    assert {f"ix_rag_chunks_embedding_{live}", f"ix_rag_chunks_embedding_{new}"} <= vector_indexes
    # The new model still finds the lesson each question comes from.
    for question, lesson_id in zip(QUESTIONS, course.lesson_ids, strict=True):
        hits = await search(database, question, [course.course_id], k=3)
        assert hits[0].lesson_id == lesson_id, (question, hits)
    assert_logged(config, result)

    back = await asyncio.to_thread(run, config.model_copy(update={"mode": "rollback"}))
    assert (back.mode, back.index_id, back.previous_index_id) == ("rollback", live, new)
    assert (back.dimensions, back.lessons_embedded) == (384, 0)  # nothing changed meanwhile
    assert await index_states(database) == {live: "active", new: "retired"}
    hits = await search(database, QUESTIONS[0], [course.course_id], k=3)
    assert {hit.chunk_id for hit in hits} <= chunks[live]


def assert_logged(config: RefreshConfig, result: RefreshResult) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=config.tracking_uri)
    logged = client.get_run(result.run_id)
    assert logged.info.status == "FINISHED"
    assert logged.data.params["embedding_model"] == result.embedding_model
    assert logged.data.params["mode"] == "full"
    metrics = logged.data.metrics
    assert metrics["chunks_embedded"] == result.chunks_embedded
    assert metrics["index_switched"] == 1.0
    assert metrics["seconds"] == pytest.approx(result.seconds)


async def chunks_by_lesson(database: Database, index_id: int) -> dict[uuid.UUID, set[uuid.UUID]]:
    async with database.session() as session:
        rows = (
            await session.execute(
                select(RagChunk.lesson_id, RagChunk.id).where(RagChunk.index_id == index_id)
            )
        ).all()
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for lesson_id, chunk_id in rows:
        found.setdefault(lesson_id, set()).add(chunk_id)
    return found


async def test_incremental_run_re_embeds_only_the_changed_lesson(
    database: Database, database_url_for_test: str, tracking_uri: str
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    await ingest_course(database, course.course_id)  # by the platform: no watermark yet
    config = refresh_config(database_url_for_test, tracking_uri, workers=1)

    # Same model as the live index: no new index; every lesson is compared once, none changed.
    first = await asyncio.to_thread(run, config)
    assert (first.mode, first.index_switched) == ("incremental", False)
    assert (first.lessons_checked, first.lessons_embedded) == (3, 0)
    before = await chunks_by_lesson(database, first.index_id)

    edited = course.lesson_ids[2]
    async with database.session() as session:
        await session.execute(
            text(
                "UPDATE lessons SET body_markdown = 'Lava cools into basalt rock.', "
                "updated_at = now() WHERE id = :id"
            ),
            {"id": edited},
        )
        await session.commit()
    second = await asyncio.to_thread(run, config)

    assert (second.mode, second.index_id) == ("incremental", first.index_id)
    assert (second.lessons_checked, second.lessons_embedded) == (1, 1)  # past the watermark
    after = await chunks_by_lesson(database, second.index_id)
    assert second.chunks_embedded == len(after[edited])
    assert {lesson: after[lesson] for lesson in course.lesson_ids[:2]} == {
        lesson: before[lesson] for lesson in course.lesson_ids[:2]
    }, "an unchanged lesson was embedded again"
    assert after[edited].isdisjoint(before[edited])
    hits = await search(database, "What does lava cool into?", [course.course_id], k=1)
    assert (hits[0].lesson_id, hits[0].text) == (edited, "Lava cools into basalt rock.")


async def test_a_second_refresh_at_once_is_refused(
    database: Database, database_url_for_test: str, tracking_uri: str
) -> None:
    from mlflow import MlflowClient

    from rag.indexes import IndexBusy, maintenance_lock

    config = refresh_config(database_url_for_test, tracking_uri)
    async with maintenance_lock(database):
        with pytest.raises(IndexBusy, match="another embedding refresh"):
            await asyncio.to_thread(run, config)
    client = MlflowClient(tracking_uri=tracking_uri)
    (failed,) = client.search_runs(
        [client.get_experiment_by_name(config.experiment).experiment_id],  # type: ignore[union-attr]
        filter_string="attributes.status = 'FAILED'",
    )
    assert "IndexBusy" in failed.data.tags["error"]
