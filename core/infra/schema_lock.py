"""One process at a time changes a database's schema.

API replicas (or an API and ``wc content``) starting together on a new database would each
create it, its pgvector extension, and run the Alembic and LangGraph checkpoint migrations;
PostgreSQL refuses the second ``CREATE DATABASE`` or migration row (a unique violation) and the
process that loses the race exits. Under this lock they take turns, and the later ones find the
work done.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from core.infra.pg_connect import connect

# pg_advisory_lock key of schema changes: "wc-schem" in ASCII, a number no other part uses.
SCHEMA_LOCK_KEY = 0x77632D736368656D
# A waiter asks again this often. It must not wait inside one statement: the checkpointer's
# migrations build indexes CONCURRENTLY, which waits for every open transaction, a blocked
# pg_advisory_lock among them, while that waits for the lock: a deadlock PostgreSQL does not see.
POLL_SECONDS = 0.2


@asynccontextmanager
async def schema_lock(url: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold the schema lock of the database at ``url`` (SQLAlchemy or libpq form) for the block;
    the connection that holds it is the block's to use.

    An advisory lock belongs to one database: callers that change a database which may not
    exist yet lock the server's maintenance database instead.
    """
    connection = await connect(url)
    try:
        while True:
            if await connection.fetchval("SELECT pg_try_advisory_lock($1)", SCHEMA_LOCK_KEY):
                break
            await asyncio.sleep(POLL_SECONDS)
        yield connection
    finally:
        # Ending the session releases its advisory locks, also when the block failed.
        await connection.close()
