"""Alembic environment: runs migrations over the async engine."""

import asyncio
from functools import partial

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from core.infra.pg_connect import connect
from platform_api.models import Base

target_metadata = Base.metadata
# Each retrieval index's HNSW index is made at run time (its dimension is data: rag.indexes);
# autogenerate must not propose dropping them.
RUNTIME_INDEX_PREFIX = "ix_rag_chunks_embedding_"


def include_object(
    item: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and reflected and (name or "").startswith(RUNTIME_INDEX_PREFIX))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or ""
    engine = create_async_engine(url, async_creator=partial(connect, url))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


asyncio.run(_run_async())
