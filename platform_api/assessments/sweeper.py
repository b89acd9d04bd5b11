"""Closes sittings at their server deadline, whether or not the learner's page is still open.

Each API process runs one ``DeadlineSweeper``; rows are claimed ``FOR UPDATE SKIP LOCKED``, so
several processes never submit a sitting twice. The write paths check the deadline themselves,
so the sweeper's period only decides how soon grading starts, never what is accepted.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from core.infra.database import Database
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


class DeadlineSweeper:
    def __init__(
        self, database: Database, period_seconds: float, clock: Callable[[], datetime] = server_now
    ) -> None:
        self._database = database
        self._period = period_seconds
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="sitting-deadline-sweeper")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                closed = await sweep_once(self._database, self._clock())
                if closed:
                    logger.info("sittings closed at their deadline", extra={"count": closed})
            except Exception:  # a database blip must not end the sweeping for good
                logger.exception("deadline sweep failed")
            await asyncio.sleep(self._period)


async def start_deadline_sweeper(stores: Stores) -> None:
    """Run the sweeper beside the API (unless its period is 0); it stops with the stores."""
    period = stores.settings.sitting_sweep_seconds
    if period <= 0:
        return
    sweeper = DeadlineSweeper(stores.database, period)
    sweeper.start()
    stores.on_close.append(sweeper.stop)
