"""Opening connections: a hung attempt is abandoned and tried again; a refusal by the server
itself (a database that does not exist) is not retried."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.infra import pg_connect
from core.infra.database import Database


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@pytest.fixture
async def first_attempt_hangs(postgres_server_url: str) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback port whose first connection is accepted and never answered; the later ones
    reach the test server. Yields the server URL through that port and the connections seen."""
    target = make_url(postgres_server_url)
    seen: list[int] = []
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(len(seen) + 1)
        if len(seen) == 1:
            held.append(writer)  # silent: the client waits for the server's first message
            return
        upstream_reader, upstream = await asyncio.open_connection(target.host, target.port)
        await asyncio.gather(_pipe(reader, upstream), _pipe(upstream_reader, writer))

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield target.set(host="127.0.0.1", port=port).render_as_string(False), seen
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_hung_attempt_is_given_up_and_the_next_one_connects(
    first_attempt_hangs: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = first_attempt_hangs
    monkeypatch.setattr(pg_connect, "ATTEMPT_SECONDS", 1.0)
    monkeypatch.setattr(pg_connect, "PAUSE_SECONDS", 0.1)
    database = Database(url, pool_size=1)
    try:
        started = time.monotonic()
        async with database.session() as session:
            assert await session.scalar(text("SELECT 1")) == 1
        assert seen == [1, 2]
        assert time.monotonic() - started < 10
    finally:
        await database.close()


async def test_a_missing_database_fails_at_once(
    postgres_server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(postgres_server_url).set(database="no_such_database").render_as_string(False)
    with (
        caplog.at_level(logging.WARNING, logger=pg_connect.__name__),
        pytest.raises(asyncpg.InvalidCatalogNameError),
    ):
        await pg_connect.connect(url)
    assert not caplog.records, "a refusal by the server is not tried again"
