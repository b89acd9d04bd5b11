"""Where personal data is sealed in the database, and the batch pass that rewrites every sealed
value: encrypting plaintext (migration 0022), re-sealing under the current key (``wc keys
rotate-pii``), opening back (the migration's downgrade).

It works on raw ``bytea`` values with SQLAlchemy Core on a synchronous connection (the one
Alembic gives, or an async connection's ``run_sync``), so the same code runs inside a migration
and in the CLI. Each batch is read by key (``id > last``) and written by one executemany.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from core.personal_data import PersonalDataKeys

BATCH_ROWS = 500


@dataclass(frozen=True)
class SealedTable:
    """One table's sealed columns (each sealed with its ``table.column`` as context), and the
    hash column derived from each e-mail column."""

    name: str
    columns: tuple[str, ...]
    hashes: tuple[tuple[str, str], ...] = ()  # (address column, hash column)


SEALED_TABLES = (
    SealedTable(
        "users",
        ("email", "display_name", "birth_date", "parent_email"),
        (("email", "email_hash"), ("parent_email", "parent_email_hash")),
    ),
    SealedTable("parental_consents", ("parent_email",)),
    SealedTable("email_verifications", ("email",)),
)

# Rewrites one value: (stored bytes, context) -> new bytes and the plaintext.
Rewrite = Callable[[bytes, str], tuple[bytes, str]]
Progress = Callable[[int], None]


def seal_plaintext(keys: PersonalDataKeys) -> Rewrite:
    """Stored UTF-8 text -> sealed under the current key."""

    def rewrite(stored: bytes, context: str) -> tuple[bytes, str]:
        text = stored.decode()
        return keys.seal_text(text, context), text

    return rewrite


def reseal(keys: PersonalDataKeys) -> Rewrite:
    """Sealed under any configured key -> sealed under the current one."""

    def rewrite(stored: bytes, context: str) -> tuple[bytes, str]:
        text = keys.open_text(stored, context)
        return keys.seal_text(text, context), text

    return rewrite


def open_to_plaintext(keys: PersonalDataKeys) -> Rewrite:
    """Sealed -> its UTF-8 text (the downgrade)."""

    def rewrite(stored: bytes, context: str) -> tuple[bytes, str]:
        text = keys.open_text(stored, context)
        return text.encode(), text

    return rewrite


def count_rows(connection: Connection) -> int:
    return sum(
        connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table.name))) or 0
        for table in SEALED_TABLES
    )


def rewrite_all(
    connection: Connection,
    keys: PersonalDataKeys,
    rewrite: Rewrite,
    *,
    with_hashes: bool = True,
    on_rows: Progress | None = None,
) -> int:
    """Rewrite every sealed value of every table, ``BATCH_ROWS`` rows a statement; recompute the
    e-mail hashes with the current hash key when ``with_hashes``. Returns the rows rewritten."""
    total = 0
    for table in SEALED_TABLES:
        total += _rewrite_table(connection, table, keys, rewrite, with_hashes, on_rows)
    return total


def _rewrite_table(
    connection: Connection,
    table: SealedTable,
    keys: PersonalDataKeys,
    rewrite: Rewrite,
    with_hashes: bool,
    on_rows: Progress | None,
) -> int:
    hashes = table.hashes if with_hashes else ()
    columns = [*table.columns, *(hashed for _, hashed in hashes)]
    target = sa.table(
        table.name, sa.column("id", sa.Uuid), *(sa.column(c, sa.LargeBinary) for c in columns)
    )
    done, after = 0, None
    while True:
        query = sa.select(target.c.id, *(target.c[c] for c in table.columns))
        if after is not None:
            query = query.where(target.c.id > after)
        rows = connection.execute(query.order_by(target.c.id).limit(BATCH_ROWS)).all()
        if not rows:
            return done
        updates = [_rewritten_row(table, hashes, keys, rewrite, row) for row in rows]
        _update_batch(connection, target, columns, updates)
        done, after = done + len(rows), rows[-1][0]
        if on_rows is not None:
            on_rows(len(rows))


def _rewritten_row(
    table: SealedTable,
    hashes: tuple[tuple[str, str], ...],
    keys: PersonalDataKeys,
    rewrite: Rewrite,
    row: sa.Row[Any],
) -> dict[str, object]:
    values: dict[str, object] = {"row_id": row[0]}
    plaintexts: dict[str, str] = {}
    stored_values: tuple[bytes | None, ...] = tuple(row[1:])
    for column, stored in zip(table.columns, stored_values, strict=True):
        if stored is None:
            values[f"new_{column}"] = None
            continue
        sealed, plaintexts[column] = rewrite(bytes(stored), f"{table.name}.{column}")
        values[f"new_{column}"] = sealed
    for address_column, hash_column in hashes:
        address = plaintexts.get(address_column)
        values[f"new_{hash_column}"] = None if address is None else keys.address_digest(address)
    return values


def _update_batch(
    connection: Connection,
    target: sa.TableClause,
    columns: list[str],
    updates: list[dict[str, object]],
) -> None:
    statement = (
        target.update()
        .where(target.c.id == sa.bindparam("row_id"))
        .values({c: sa.bindparam(f"new_{c}", type_=sa.LargeBinary) for c in columns})
    )
    connection.execute(statement, updates)  # executemany: one round trip per batch with asyncpg


async def reseal_database(
    engine: AsyncEngine, keys: PersonalDataKeys, on_rows: Progress | None = None
) -> int:
    """Re-seal every personal value under the current key and recompute every e-mail hash with
    the current hash key, in one transaction (all rows or none). After it, retired keys may be
    dropped from the settings."""
    async with engine.begin() as connection:
        return await connection.run_sync(
            lambda sync: rewrite_all(sync, keys, reseal(keys), on_rows=on_rows)
        )


async def count_sealed_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return await connection.run_sync(count_rows)
