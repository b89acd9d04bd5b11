"""The Alembic migrations build exactly the schema the models declare, and run both ways."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from core.infra.database import Database
from platform_api.models import Base
from platform_api.schema import alembic_config


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_downgrade_to_base_and_upgrade_again(database: Database) -> None:
    import asyncio

    config = alembic_config(database.url)
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
