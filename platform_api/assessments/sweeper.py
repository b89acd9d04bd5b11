"""Closes sittings at their server deadline, whether or not the learner's page is still open.

Each API process runs one ``DeadlineSweeper``; rows are claimed ``FOR UPDATE SKIP LOCKED``, so
several processes never submit a sitting twice. The write paths check the deadline themselves,
so the sweeper's period only decides how soon grading starts, never what is accepted.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from core.infra.database import Database
from core.infra.periodic import PeriodicTask
from platform_api.assessments.clock import server_now
from platform_api.assessments.sittings import SWEEP_BATCH, close_overdue
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)


async def sweep_once(database: Database, now: datetime) -> int:
    """Close every sitting overdue at ``now``; how many this process closed."""
    closed = 0
    while True:
        async with database.session() as session, session.begin():
            batch = await close_overdue(session, now)
        closed += batch
        if batch < SWEEP_BATCH:
            return closed


async def _sweep_and_log(database: Database, clock: Callable[[], datetime]) -> None:
    closed = await sweep_once(database, clock())
    if closed:
        logger.info("sittings closed at their deadline", extra={"count": closed})


async def start_deadline_sweeper(stores: Stores) -> None:
    """Run the sweeper beside the API (unless its period is 0); it stops with the stores."""
    period = stores.settings.sitting_sweep_seconds
    if period <= 0:
        return
    sweeper = PeriodicTask(
        "sitting-deadline-sweeper", lambda: _sweep_and_log(stores.database, server_now), period
    )
    sweeper.start()
    stores.on_close.append(sweeper.stop)
