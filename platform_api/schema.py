"""The relational schema: the Alembic migrations of every table (the platform's and the AI
packages' own, such as ``rag_chunks``), applied at start-up."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.infra.database import async_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade_schema(url: str) -> None:
    """Apply every pending Alembic migration (blocking; run at start-up)."""
    command.upgrade(alembic_config(url), "head")


async def upgrade_schema_async(url: str) -> None:
    await asyncio.to_thread(upgrade_schema, url)
