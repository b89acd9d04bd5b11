"""The retrieval indexes: which one searches read, and the steps that build and switch another.

An index is a row of ``rag_indexes`` (model, dimension, chunk size, state) and its chunks in
``rag_chunks``. Searches and ingestion use the one ``active`` index and embed with *its* model,
whatever ``WC_RAG_EMBEDDING_MODEL`` says: the setting names the model the index should have, and
``pipelines/embeddings`` builds a ``building`` index with it beside the active one, then
``switch_active`` flips both in one transaction.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnElement, cast, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import Database, utcnow
from rag.embeddings import Embedder
from rag.models import IndexState, RagChunk, RagIndex

# pg_advisory_lock key of index maintenance (refresh, rollback): "wc-rag-idx" in ASCII, a number
# no other part of the platform uses.
MAINTENANCE_LOCK_KEY = 0x77632D7261672D69


class IndexBusy(RuntimeError):
    """Another refresh or rollback holds the maintenance lock."""


class IndexStateError(RuntimeError):
    """An index is not in the state an operation needs (e.g. switching to a deleted one)."""


@dataclass(frozen=True)
class IndexInfo:
    id: int
    embedding_model: str
    dimensions: int
    chunk_max_tokens: int
    state: str
    refreshed_through: datetime | None

    @classmethod
    def of(cls, row: RagIndex) -> "IndexInfo":
        return cls(
            row.id,
            row.embedding_model,
            row.dimensions,
            row.chunk_max_tokens,
            row.state,
            row.refreshed_through,
        )


def vector_column(dimensions: int) -> ColumnElement[object]:
    """The embedding as ``vector(dimensions)``: the expression the index's HNSW index is on, so
    a query ordered by a distance to it can use that index."""
    return cast(RagChunk.embedding, Vector(dimensions))


def vector_index_name(index_id: int) -> str:
    return f"ix_rag_chunks_embedding_{index_id}"


def index_embedder(index: IndexInfo, preferred: Embedder | None, batch_size: int) -> Embedder:
    """The embedder of the index's model (``preferred`` when it is that model already)."""
    if preferred is not None and preferred.model_name == index.embedding_model:
        return preferred
    precision = preferred.requested_precision if preferred is not None else "auto"
    return Embedder(index.embedding_model, batch_size=batch_size, precision=precision)


async def active_index(database: Database) -> IndexInfo | None:
    async with database.session() as session:
        row = await session.scalar(select(RagIndex).where(RagIndex.state == IndexState.ACTIVE))
    return IndexInfo.of(row) if row is not None else None


async def get_index(database: Database, index_id: int) -> IndexInfo | None:
    async with database.session() as session:
        row = await session.get(RagIndex, index_id)
    return IndexInfo.of(row) if row is not None else None


async def open_active_index(
    database: Database, embedder: Embedder, chunk_max_tokens: int
) -> IndexInfo:
    """The active index; when there is none yet (a new platform's first ingest), a new active
    one for ``embedder``'s model. Two first ingests at once make one index."""
    found = await active_index(database)
    if found is not None:
        return found
    dimensions = await asyncio.to_thread(lambda: embedder.dimensions)  # loads the model
    async with database.session() as session, session.begin():
        await session.execute(
            insert(RagIndex)
            .values(
                embedding_model=embedder.model_name,
                dimensions=dimensions,
                chunk_max_tokens=chunk_max_tokens,
                state=IndexState.ACTIVE,
                created_at=utcnow(),
                activated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["state"], index_where=text("state = 'active'"))
        )
        row = await session.scalar(select(RagIndex).where(RagIndex.state == IndexState.ACTIVE))
        assert row is not None  # inserted here or by the concurrent ingest that won
        # Empty, so built at once; a refreshed index gets its HNSW index after its bulk load.
        await session.execute(text(create_vector_index_sql(row.id, row.dimensions)))
    return IndexInfo.of(row)


async def create_building_index(
    database: Database, embedding_model: str, dimensions: int, chunk_max_tokens: int
) -> IndexInfo:
    async with database.session() as session, session.begin():
        row = RagIndex(
            embedding_model=embedding_model,
            dimensions=dimensions,
            chunk_max_tokens=chunk_max_tokens,
            state=IndexState.BUILDING,
        )
        session.add(row)
    return IndexInfo.of(row)


async def build_vector_index(database: Database, index: IndexInfo) -> None:
    """The HNSW index of ``index``'s chunks, built without blocking ingestion's writes (hence
    CONCURRENTLY, which cannot run inside a transaction)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(create_vector_index_sql(index.id, index.dimensions, True)))


def create_vector_index_sql(index_id: int, dimensions: int, concurrently: bool = False) -> str:
    # Integers only, from our own rows: nothing here comes from a user.
    return (
        f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS "
        f"{vector_index_name(int(index_id))} ON rag_chunks USING hnsw "
        f"((embedding::vector({int(dimensions)})) vector_cosine_ops) "
        f"WHERE index_id = {int(index_id)}"
    )


async def switch_active(
    database: Database, index_id: int, refreshed_through: datetime | None = None
) -> int | None:
    """Make ``index_id`` the active index in one transaction; the active one is retired.

    Returns the previous active index's id. A search reads the active index once, at its start,
    so it sees the old index or the new one, never a mix.
    """
    async with database.session() as session, session.begin():
        target = await session.get(RagIndex, index_id, with_for_update=True)
        if target is None or target.state == IndexState.ACTIVE:
            raise IndexStateError(f"index {index_id} is {'active' if target else 'not there'}")
        previous = await session.scalar(
            select(RagIndex).where(RagIndex.state == IndexState.ACTIVE).with_for_update()
        )
        now = await session.scalar(select(func.now()))
        if previous is not None:  # first: the unique index allows one active row at a time
            previous.state, previous.retired_at = IndexState.RETIRED, now
            await session.flush()
        target.state, target.activated_at, target.retired_at = IndexState.ACTIVE, now, None
        if refreshed_through is not None:
            target.refreshed_through = refreshed_through
    return previous.id if previous is not None else None


async def set_refreshed_through(database: Database, index_id: int, when: datetime) -> None:
    async with database.session() as session, session.begin():
        await session.execute(
            update(RagIndex).where(RagIndex.id == index_id).values(refreshed_through=when)
        )


async def latest_retired(database: Database) -> IndexInfo | None:
    async with database.session() as session:
        row = await session.scalar(
            select(RagIndex)
            .where(RagIndex.state == IndexState.RETIRED)
            .order_by(RagIndex.retired_at.desc(), RagIndex.id.desc())
            .limit(1)
        )
    return IndexInfo.of(row) if row is not None else None


async def prune_retired(database: Database, keep: int) -> list[int]:
    """Delete all but the ``keep`` most recently retired indexes (chunks and HNSW index)."""
    async with database.session() as session:
        doomed = list(
            await session.scalars(
                select(RagIndex.id)
                .where(RagIndex.state == IndexState.RETIRED)
                .order_by(RagIndex.retired_at.desc(), RagIndex.id.desc())
                .offset(keep)
            )
        )
    await _delete_indexes(database, doomed)
    return doomed


async def drop_abandoned_builds(database: Database) -> list[int]:
    """Delete ``building`` indexes: a refresh that died left them (call under the lock only)."""
    async with database.session() as session:
        doomed = list(
            await session.scalars(select(RagIndex.id).where(RagIndex.state == IndexState.BUILDING))
        )
    await _delete_indexes(database, doomed)
    return doomed


async def _delete_indexes(database: Database, index_ids: list[int]) -> None:
    for index_id in index_ids:
        # A plain DROP INDEX would lock rag_chunks against every search while it runs.
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            name = vector_index_name(int(index_id))
            await autocommit.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        async with database.session() as session, session.begin():
            # The chunks go with the row (ON DELETE CASCADE).
            await session.execute(delete(RagIndex).where(RagIndex.id == index_id))


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock: watermarks compare with it, not with this machine's."""
    now = await session.scalar(select(func.now()))
    assert now is not None
    return now


@asynccontextmanager
async def maintenance_lock(database: Database) -> AsyncIterator[None]:
    """Hold the index maintenance lock (a session-level advisory lock) for the block; raises
    ``IndexBusy`` at once when another refresh or rollback holds it."""
    async with database.engine.connect() as connection:
        locked = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": MAINTENANCE_LOCK_KEY}
        )
        await connection.commit()  # the lock outlives the transaction; an open one would not
        if not locked:
            raise IndexBusy("another embedding refresh or rollback is running; try again later")
        try:
            yield
        finally:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": MAINTENANCE_LOCK_KEY}
            )
            await connection.commit()
