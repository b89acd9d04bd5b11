"""PostgreSQL access: the declarative base and the async engine and session factory.

The schema's migrations belong to the platform, which knows every table: ``platform_api.schema``.
"""

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Enum, MetaData
from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.base import Executable

from core.infra.pg_connect import connect

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def value_enum(kind: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum type named ``name`` that stores the members' values, not their names."""
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLSTATE classes of a server that is down, restarting or refusing connections for now:
# connection exceptions (08) and operator intervention (57P: admin shutdown, cannot connect now).
_UNAVAILABLE_SQLSTATES = ("08", "57P")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the server cannot be reached now (worth waiting and trying again),
    rather than that a statement is wrong."""
    if isinstance(error, OSError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return (
        error.connection_invalidated
        or isinstance(error.orig, OSError)
        or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    )


def async_url(url: str) -> str:
    """Normalise a PostgreSQL URL to the asyncpg driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


T = TypeVar("T")


async def finish_despite_cancel(work: Awaitable[T]) -> T:
    """Run ``work`` to its end even when the caller is cancelled meanwhile, then let the cancel
    go on. For a statement that sends many parameter sets (an executemany): interrupted half
    way, SQLAlchemy's asyncpg adapter leaves the server waiting for the rest and the cancelled
    task waiting for the server, for ever (measured: a shutdown that never ended while a course
    was being ingested). Finished, the statement's transaction rolls back as usual."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved: the cancel, not the statement's error, is raised
        raise


class Session(AsyncSession):
    """The platform's session: a statement with many parameter sets is never cut off half way
    by a cancel (``finish_despite_cancel``); everything else is SQLAlchemy's."""

    async def execute(
        self,
        statement: Executable,
        params: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Result[Any]:
        run = super().execute(statement, params, **options)
        if isinstance(params, Sequence) and len(params) > 1:
            return await finish_despite_cancel(run)
        return await run


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Session]:
    """Sessions as the platform opens them: ``Session``, objects readable after a commit."""
    return async_sessionmaker(engine, class_=Session, expire_on_commit=False)


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=20,
            pool_pre_ping=True,
            # Bound values (addresses in outbox payloads, token hashes) stay out of the SQL log
            # lines and of the text of database errors, at every log level.
            hide_parameters=True,
            async_creator=partial(connect, self.url),
        )
        self.sessions = session_factory(self.engine)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
