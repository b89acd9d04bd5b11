"""API replicas starting together on a database that does not exist yet all start: one creates
and migrates it, the others wait for the schema lock and find the work done (CI once lost a
replica to LangGraph's checkpoint migrations, run twice at once)."""

import asyncio
import uuid
from pathlib import Path

from alembic.script import ScriptDirectory
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from core.infra.pg_connect import connect
from core.settings import Settings
from platform_api.schema import alembic_config
from platform_api.tutor.memory import TutorMemory
from platform_api.wiring import prepare_database
from tests.fixtures.postgres import database_url

REPLICAS = 3


async def _start_replica(settings: Settings) -> None:
    """What an API process does to the schema at start-up: migrate, then open tutor memory."""
    url = await prepare_database(settings)
    memory = TutorMemory(url)
    try:
        await memory.open()
    finally:
        await memory.close()


async def test_replicas_starting_together_on_a_new_database_all_start(
    postgres_server_url: str, tmp_path: Path
) -> None:
    url = database_url(postgres_server_url, f"wc_replicas_{uuid.uuid4().hex[:12]}")
    settings = Settings(data_dir=tmp_path, database_url=url)

    await asyncio.gather(*(_start_replica(settings) for _ in range(REPLICAS)))

    connection = await connect(url)
    try:
        version = await connection.fetchval("SELECT version_num FROM alembic_version")
        checkpoint_versions = await connection.fetch("SELECT v FROM checkpoint_migrations")
        vector = await connection.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
    finally:
        await connection.close()
    assert version == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert sorted(row["v"] for row in checkpoint_versions) == list(
        range(len(AsyncPostgresSaver.MIGRATIONS))
    )
    assert vector == 1
