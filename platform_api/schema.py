"""The relational schema: the Alembic migrations of every table (the platform's and the AI
packages' own, such as ``rag_chunks``), applied at start-up."""

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from core.infra.database import async_url

if TYPE_CHECKING:  # Alembic is imported when a command migrates, not by every command line
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade_schema(url: str) -> None:
    """Apply every pending Alembic migration (blocking; run at start-up)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


async def upgrade_schema_async(url: str) -> None:
    await asyncio.to_thread(upgrade_schema, url)
