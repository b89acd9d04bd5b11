"""The steps of a refresh, under the index maintenance lock.

Full: a ``building`` index for the configured model is filled with every published lesson
(embedded on Ray), gets its HNSW index, catches up on lessons changed meanwhile, becomes active in
one transaction, then catches up once more on what the platform ingested into the old index
around the switch. Retired indexes beyond ``keep_previous`` are deleted.
Incremental: the active index re-embeds the lessons changed since its watermark.
Rollback: the latest retired index catches up with its own model and becomes active again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, text, true

from core.curriculum.models import Lesson
from core.infra.database import Database
from pipelines.embeddings.config import RefreshConfig
from pipelines.embeddings.workers import RayEmbeddingPool
from rag.indexes import (
    IndexInfo,
    active_index,
    build_vector_index,
    create_building_index,
    database_now,
    drop_abandoned_builds,
    latest_retired,
    maintenance_lock,
    prune_retired,
    set_refreshed_through,
    switch_active,
)
from rag.ingest import IngestReport, ProgressCallback, sync_lessons
from rag.models import RagChunk

logger = logging.getLogger(__name__)


class RefreshRefused(RuntimeError):
    """The mode cannot run on this database as it is (no index to update, none to roll back to,
    schema not migrated)."""


@dataclass
class RefreshOutcome:
    mode: str
    index: IndexInfo
    previous_index_id: int | None
    switched: bool
    refreshed_through: datetime
    passes: list[IngestReport] = field(default_factory=list)
    pruned: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)

    @property
    def lessons_embedded(self) -> int:
        return sum(report.lessons_embedded for report in self.passes)

    @property
    def chunks_embedded(self) -> int:
        return sum(report.chunks_written for report in self.passes)

    @property
    def lessons_removed(self) -> int:
        return sum(report.lessons_removed for report in self.passes)

    @property
    def lessons_checked(self) -> int:
        """Published lessons the first pass looked at (the later passes look at fewer)."""
        return self.passes[0].lessons_seen if self.passes else 0


def choose_mode(config: RefreshConfig, active: IndexInfo | None) -> str:
    """What ``auto`` means now; the other modes as asked."""
    if config.mode != "auto":
        return config.mode
    if active is None:
        return "full"
    same = (active.embedding_model, active.chunk_max_tokens) == (
        config.embedding_model,
        config.chunk_max_tokens,
    )
    return "incremental" if same else "full"


async def refresh(
    config: RefreshConfig, progress: ProgressCallback | None = None
) -> RefreshOutcome:
    database = Database(config.database_url, pool_size=4)
    try:
        await _check_schema(database)
        async with maintenance_lock(database):
            active = await active_index(database)
            mode = choose_mode(config, active)
            logger.info("embedding refresh", extra={"mode": mode, "model": config.embedding_model})
            steps = Refresh(database, config, progress)
            if mode == "full":
                return await steps.full()
            if mode == "rollback":
                return await steps.rollback()
            if active is None:
                raise RefreshRefused("no active index to update: run a full refresh first")
            return await steps.incremental(active)
    finally:
        await database.close()


async def _check_schema(database: Database) -> None:
    async with database.session() as session:
        found = await session.scalar(text("SELECT to_regclass('rag_indexes')"))
    if found is None:
        raise RefreshRefused(
            "the database has no rag_indexes table: migrate it first (the platform does at its "
            "start: `wc run`, or `wc ingest` once)"
        )


class Refresh:
    def __init__(
        self, database: Database, config: RefreshConfig, progress: ProgressCallback | None
    ) -> None:
        self._database = database
        self._config = config
        self._progress = progress
        self._margin = timedelta(seconds=config.watermark_margin_seconds)

    async def full(self) -> RefreshOutcome:
        abandoned = await drop_abandoned_builds(self._database)
        pool = self._pool(self._config.embedding_model, self._config.chunk_max_tokens)
        try:
            dimensions = await pool.dimensions()
            index = await create_building_index(
                self._database, pool.model, dimensions, self._config.chunk_max_tokens
            )
            first, watermark = await self._catch_up(index, None, pool)
            await build_vector_index(self._database, index)
            outcome = await self._switch_to("full", index, watermark, pool, [first])
        finally:
            pool.stop()
        outcome.abandoned = abandoned
        outcome.pruned = await prune_retired(self._database, self._config.keep_previous)
        return outcome

    async def incremental(self, index: IndexInfo) -> RefreshOutcome:
        pool = self._pool(index.embedding_model, index.chunk_max_tokens)
        try:
            report, watermark = await self._catch_up(index, index.refreshed_through, pool)
        finally:
            pool.stop()
        await set_refreshed_through(self._database, index.id, watermark)
        return RefreshOutcome("incremental", index, None, False, watermark, [report])

    async def rollback(self) -> RefreshOutcome:
        target = await latest_retired(self._database)
        if target is None:
            raise RefreshRefused("no retired index to roll back to")
        pool = self._pool(target.embedding_model, target.chunk_max_tokens)
        try:
            return await self._switch_to("rollback", target, target.refreshed_through, pool, [])
        finally:
            pool.stop()

    async def _switch_to(
        self,
        mode: str,
        index: IndexInfo,
        since: datetime | None,
        pool: RayEmbeddingPool,
        passes: list[IngestReport],
    ) -> RefreshOutcome:
        """Catch up, switch, catch up again: the second pass takes what the platform ingested
        into the old index between the first pass and the switch."""
        before, watermark = await self._catch_up(index, since, pool)
        previous = await switch_active(self._database, index.id, refreshed_through=watermark)
        after, watermark = await self._catch_up(index, watermark, pool)
        await set_refreshed_through(self._database, index.id, watermark)
        return RefreshOutcome(mode, index, previous, True, watermark, [*passes, before, after])

    async def _catch_up(
        self, index: IndexInfo, since: datetime | None, pool: RayEmbeddingPool
    ) -> tuple[IngestReport, datetime]:
        """Sync the index's chunks of the lessons changed since ``since`` (all when None);
        returns the pass's report and its start on the database's clock, the next watermark."""
        async with self._database.session() as session:
            started = await database_now(session)
        lessons_in_scope, chunks_in_scope = self._changed_since(since)
        report = await sync_lessons(
            self._database,
            index,
            lessons_in_scope,
            chunks_in_scope,
            pool,
            concurrency=pool.concurrency,
            lessons_per_batch=self._config.lessons_per_task,
            progress=self._progress,
        )
        logger.info("index pass", extra={"index_id": index.id, **report.model_dump()})
        return report, started

    def _changed_since(
        self, since: datetime | None
    ) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        if since is None:
            return true(), true()
        changed = Lesson.updated_at > since - self._margin
        return changed, RagChunk.lesson_id.in_(select(Lesson.id).where(changed))

    def _pool(self, model: str, max_tokens: int) -> RayEmbeddingPool:
        return RayEmbeddingPool(
            model,
            batch_size=self._config.batch_size,
            max_tokens=max_tokens,
            workers=self._config.workers,
            cpus_per_worker=self._config.cpus_per_worker,
            ray_address=self._config.ray_address,
        )
