"""Tutor memory: LangGraph's PostgreSQL checkpointer on the platform's database.

A conversation's thread id is ``<learner id>/<session id>``: a learner's threads can be found,
and erased, by prefix even after the session rows are gone.
"""

import uuid

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import make_url

from core.infra.schema_lock import schema_lock

# The tables langgraph-checkpoint-postgres creates and migrates itself (``setup()``).
CHECKPOINT_TABLES = (
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
    "checkpoint_migrations",
)


def thread_id(learner_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return f"{learner_id}/{session_id}"


def libpq_url(database_url: str) -> str:
    """The platform's SQLAlchemy URL (any driver, Unix socket or TCP) as a libpq URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class TutorMemory:
    """The checkpointer and its connection pool, opened once per process."""

    def __init__(self, database_url: str, max_connections: int = 10) -> None:
        self.database_url = database_url
        self.pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
            libpq_url(database_url),
            max_size=max_connections,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=False,
            # A pooled connection may have died since its last use (a PostgreSQL restart or
            # failover): checked on checkout, a dead one is replaced instead of failing a turn.
            check=AsyncConnectionPool.check_connection,
        )
        self.saver = AsyncPostgresSaver(self.pool)

    async def open(self) -> None:
        await self.pool.open()
        # Replicas starting together would each insert the checkpointer's migration rows.
        async with schema_lock(self.database_url):
            await self.saver.setup()

    async def forget(self, learner_id: uuid.UUID, session_id: uuid.UUID) -> None:
        await self.saver.adelete_thread(thread_id(learner_id, session_id))

    async def forget_learner(self, learner_id: uuid.UUID) -> None:
        """Every conversation of one learner (GDPR erasure)."""
        prefix = f"{learner_id}/%"
        async with self.pool.connection() as connection:
            for table in ("checkpoint_writes", "checkpoint_blobs", "checkpoints"):
                await connection.execute(
                    f"DELETE FROM {table} WHERE thread_id LIKE %s",
                    (prefix,),
                )

    async def close(self) -> None:
        await self.pool.close()
