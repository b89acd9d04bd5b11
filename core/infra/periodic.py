"""A background task that runs one piece of work every so many seconds until it is stopped.

For the API's sweepers (sitting deadlines, due-date reminders) and dispatchers: an error is
logged and the next round runs, so a database blip never ends the sweeping for good. ``wake``
starts the next round at once (a dispatcher told that work arrived).
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(
        self, name: str, work: Callable[[], Awaitable[object]], period_seconds: float
    ) -> None:
        self.name = name
        self._work = work
        self._period = period_seconds
        self._task: asyncio.Task[None] | None = None
        self._woken = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self._work()
            except Exception:
                logger.exception("%s failed (is the database reachable?); it runs again", self.name)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the event is set, and stop() then waits for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._period):
                    await self._woken.wait()
            self._woken.clear()
