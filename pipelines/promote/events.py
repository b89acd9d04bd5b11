"""The gate's decisions as platform events (``model.promoted``, ``model.rejected``,
``model.rolled_back``), written to the platform's outbox so that its relay publishes them."""

import asyncio
from typing import Any

from core.infra.database import Database
from core.infra.outbox import add_event
from core.infra.postgres_embedded import platform_database_url
from core.settings import Settings


def record_event(event_type: str, payload: dict[str, Any], database_url: str | None) -> None:
    settings = Settings()
    url = database_url or platform_database_url(settings.database_url, settings.resolved_data_dir)

    async def write() -> None:
        database = Database(url, pool_size=1)
        try:
            async with database.session() as session:
                add_event(session, event_type, payload)
                await session.commit()
        finally:
            await database.close()

    asyncio.run(write())
