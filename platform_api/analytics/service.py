"""What the platform does to its analytics data beyond capturing it: erasure (GDPR Art. 17)."""

import uuid

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import LEARNER_TABLES


async def erase_learner(analytics: AnalyticsStore, learner_id: uuid.UUID) -> None:
    """Delete every analytics row about ``learner_id``; returns once the deletion has run.

    ``ALTER TABLE ... DELETE`` rewrites the affected parts, so the rows are gone from disk, not
    only hidden, when it returns (``mutations_sync``).
    """
    for table in LEARNER_TABLES:
        await analytics.execute(
            f"ALTER TABLE {table} DELETE WHERE learner_id = {{learner_id:UUID}}",
            {"learner_id": learner_id},
        )
