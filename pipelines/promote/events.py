"""The gate's decisions as platform events (``model.promoted``, ``model.rejected``,
``model.rolled_back``), written to the platform's outbox so that its relay publishes them.

The payload models are the events' public schemas (webhook subscribers read them): a change that
is not backward compatible gets a new ``schema_version``.
"""

import asyncio
from typing import Literal

from pydantic import BaseModel

from core.infra.database import Database
from core.infra.outbox import add_event
from core.infra.postgres_embedded import platform_database_url
from core.settings import Settings

MODEL_PROMOTED = "model.promoted"
MODEL_REJECTED = "model.rejected"
MODEL_ROLLED_BACK = "model.rolled_back"


class ModelDecided(BaseModel):
    """A candidate was promoted to champion, or rejected."""

    schema_version: Literal[1] = 1
    model: str
    candidate_version: str
    champion_version: str | None
    decision: Literal["promoted", "rejected"]
    reason: str
    regressing_suites: list[str]
    mlflow_run_id: str
    # Every compared metric: "<suite>.<metric>.champion|candidate|delta|delta_low|delta_high".
    figures: dict[str, float | None]


class ModelRolledBack(BaseModel):
    """The champion alias moved back to the version before it."""

    schema_version: Literal[1] = 1
    model: str
    from_version: str
    to_version: str
    reason: str
    mlflow_run_id: str


def record_event(event_type: str, payload: BaseModel, database_url: str | None) -> None:
    settings = Settings()
    url = database_url or platform_database_url(settings.database_url, settings.resolved_data_dir)

    async def write() -> None:
        database = Database(url, pool_size=1)
        try:
            async with database.session() as session:
                add_event(session, event_type, payload.model_dump(mode="json"))
                await session.commit()
        finally:
            await database.close()

    asyncio.run(write())
