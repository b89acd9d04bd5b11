"""Contract of the relational store, run against embedded PostgreSQL (a Unix socket in the data
dir) and a PostgreSQL server on loopback TCP: migrations, transactions, pgvector, text search,
and a bulk insert cut off by a cancel."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, text

from core.infra.database import Database
from core.settings import Settings
from platform_api.wiring import prepare_database
from tests.fixtures.postgres import create_test_database

# A trigger makes each row take a millisecond on the server, so the insert is still on the wire
# when the test sees it running (4 KB rows: more than the socket buffers hold).
BULK_ROWS = 2_000
ROW_TEXT = "a row of the bulk insert " * 160
SLOW_ROWS = (
    "CREATE FUNCTION {table}_slowly() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$",
    "CREATE TRIGGER slowly BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_slowly()",
)
CANCELLED_WITHIN_S = 60


@pytest.fixture(params=["embedded", "server"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "embedded":
        url = await prepare_database(Settings(data_dir=tmp_path, database_url=""))
    else:
        url = await create_test_database(request.getfixturevalue("postgres_server_url"))
    db = Database(url, pool_size=2)
    yield db
    await db.close()


async def test_schema_is_migrated_to_head(database: Database) -> None:
    async with database.session() as session:
        version = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        tables = set(
            (
                await session.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
    assert version is not None
    assert {"users", "lessons", "outbox_events", "processed_events"} <= tables


async def test_rolled_back_transaction_leaves_nothing(database: Database) -> None:
    email = f"{uuid.uuid4().hex}@example.org".encode()  # bytea: the column is sealed
    insert = text(
        "INSERT INTO users (id, email, email_hash, display_name, role, is_active, locale,"
        " preferences, created_at, updated_at) VALUES (:id, :email, :email, 'x', 'student',"
        " true, 'en', '{}', now(), now())"
    )
    async with database.session() as session:
        await session.execute(insert, {"id": uuid.uuid4(), "email": email})
        await session.rollback()
    async with database.session() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM users WHERE email = :e"), {"e": email}
        )
    assert count == 0


async def test_pgvector_hnsw_nearest_neighbours(database: Database) -> None:
    async with database.session() as session:
        await session.execute(text("CREATE TEMP TABLE v (id int, e vector(3))"))
        await session.execute(
            text(
                "INSERT INTO v SELECT i, ARRAY[i, i * 2, 1]::vector FROM generate_series(1, 200) i"
            )
        )
        await session.execute(text("CREATE INDEX ON v USING hnsw (e vector_l2_ops)"))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        query = text("SELECT id FROM v ORDER BY e <-> '[50, 100, 1]'::vector LIMIT 3")
        nearest = list((await session.execute(query)).scalars())
    assert nearest[0] == 50
    assert sorted(nearest[1:]) == [49, 51]


async def test_english_full_text_search_stems_words(database: Database) -> None:
    async with database.session() as session:
        matched = await session.scalar(
            text(
                "SELECT to_tsvector('english', 'Friction opposes sliding surfaces')"
                " @@ websearch_to_tsquery('english', 'surface slide')"
            )
        )
    assert matched is True


async def insert_running(database: Database, table: str) -> None:
    """Returns once the server executes an INSERT into ``table``."""
    running = text(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE :insert"
    )
    deadline = time.monotonic() + CANCELLED_WITHIN_S
    while True:
        # A transaction sees the activity of its first look: a new one each time.
        async with database.session() as session:
            if await session.scalar(running, {"insert": f"INSERT INTO {table} %"}):
                return
        assert time.monotonic() < deadline, "the insert never started"
        await asyncio.sleep(0.005)


async def test_a_task_cancelled_during_a_bulk_insert_ends_and_writes_nothing(
    database: Database,
) -> None:
    """Cancelled while its many rows are on the wire (a shutdown during ingestion), a task ends
    once the statement has (it waited for ever before), its transaction rolls back, and the
    pool's connections serve the next session."""
    table = f"bulk_{uuid.uuid4().hex[:8]}"
    async with database.session() as session, session.begin():
        await session.execute(text(f"CREATE TABLE {table} (id int PRIMARY KEY, body text)"))
        for statement in SLOW_ROWS:
            await session.execute(text(statement.format(table=table)))
    rows = Table(table, MetaData(), Column("id", Integer, primary_key=True), Column("body", Text))
    values = [{"id": i, "body": ROW_TEXT} for i in range(BULK_ROWS)]

    async def write() -> None:
        async with database.session() as session, session.begin():
            await session.execute(insert(rows), values)

    writing = asyncio.create_task(write())
    await insert_running(database, table)
    writing.cancel()
    # Not wait_for: on its timeout it would wait for the cancel it sends, as long as the task.
    await asyncio.wait({writing}, timeout=CANCELLED_WITHIN_S)
    assert writing.cancelled()
    async with database.session() as session:
        assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 0
        assert await session.scalar(text("SELECT 1")) == 1
