"""Import entry point shared by the CLI and the HTTP endpoint: parse fully, then write once."""

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.openstax.importer import ImportSummary, import_collections
from platform_api.openstax.parser import (
    ParsedCollection,
    parse_collection_dir,
    parse_collection_zip,
)

ProgressCallback = Callable[[int, int], None]


def _parse(source: Path | bytes) -> list[ParsedCollection]:
    if isinstance(source, bytes):
        return parse_collection_zip(source)
    if source.is_file():
        return parse_collection_zip(source.read_bytes())
    return parse_collection_dir(source)


async def import_openstax_source(
    session: AsyncSession,
    source: Path | bytes,
    owner_id: uuid.UUID | None,
    progress: ProgressCallback | None = None,
) -> list[ImportSummary]:
    """Parse a book folder, zip file or zip bytes, import and commit; nothing is written on error.

    Parsing (CPU-bound XML work) runs in a worker thread so the event loop keeps serving.
    """
    collections = await asyncio.to_thread(_parse, source)
    try:
        summaries = await import_collections(session, collections, owner_id, progress=progress)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return summaries
