"""The evidence purge as a periodic job beside the API (``proctor_purge_sweep_seconds``)."""

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from core.infra.periodic import PeriodicTask
from platform_api.assessments.clock import server_now
from platform_api.proctor.privacy.purge import RetentionPolicy, purge_due
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)


async def purge_and_log(stores: Stores, now: datetime) -> None:
    """One run: purge what is due at ``now`` and log one line with the counts."""
    policy = RetentionPolicy.from_settings(stores.settings)
    purged = await purge_due(stores.database, stores.objects, policy, now)
    logger.info("proctor evidence purge", extra=asdict(purged))


async def start_evidence_purge(stores: Stores, clock: Callable[[], datetime] = server_now) -> None:
    """Run the purge beside the API (unless its period is 0); it stops with the stores."""
    period = stores.settings.proctor_purge_sweep_seconds
    if period <= 0:
        return
    task = PeriodicTask("proctor-evidence-purge", lambda: purge_and_log(stores, clock()), period)
    task.start()
    stores.on_close.append(task.stop)
