"""The scheduler: sleeps until the next cron firing, starts that pipeline, logs every firing and
every finished run. A pipeline whose previous run is still going is not started twice (the firing
is logged as skipped). Firings missed while the scheduler was not running are not made up, as with
cron. The clock and the way a run is started are injected: tests drive both.
"""

import logging
import re
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from pipelines.schedule.cron import CronError, CronExpression

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledPipeline:
    name: str
    cron: CronExpression


def parse_schedule(text: str, known: Collection[str]) -> list[ScheduledPipeline]:
    """``'embeddings=0 3 * * *; dataset=@weekly'`` (``;`` or new lines between entries)."""
    entries = []
    for raw in re.split(r"[;\n]", text):
        entry = raw.strip()
        if not entry:
            continue
        name, equals, expression = (part.strip() for part in entry.partition("="))
        if not equals or not name:
            raise CronError(f"{entry!r}: write NAME=CRON, e.g. 'embeddings=0 3 * * *'")
        if name not in known:
            raise CronError(f"{entry!r}: no pipeline named {name!r} (known: {', '.join(known)})")
        entries.append(ScheduledPipeline(name, CronExpression.parse(expression)))
    return entries


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RunHandle(Protocol):
    """A started run: ``poll()`` is None while it runs, then its exit status (as ``Popen``)."""

    def poll(self) -> int | None: ...


Launch = Callable[[str], RunHandle]


def launch_process(name: str) -> RunHandle:
    """``wc pipeline run NAME`` as a child process: each run gets a fresh process (its own Ray
    driver and models, its memory returned at its end), and a crash cannot take the scheduler
    down. Its output goes where the scheduler's goes."""
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", name])


@dataclass(frozen=True)
class Firing:
    name: str
    due: datetime
    fired_at: datetime
    started: bool  # False: the previous run of this pipeline was still going


@dataclass
class _Running:
    handle: RunHandle
    fired_at: datetime


class Scheduler:
    def __init__(
        self,
        entries: list[ScheduledPipeline],
        launch: Launch,
        *,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
        poll_seconds: float = 30.0,
    ) -> None:
        if not entries:
            raise CronError("nothing to schedule: set WC_PIPELINE_SCHEDULE='NAME=CRON; …'")
        self._entries = entries
        self._launch = launch
        self._clock = clock or SystemClock()
        self._zone = zone
        self._poll_seconds = poll_seconds
        now = self._clock.now()
        self._due = [entry.cron.next_after(now, zone) for entry in entries]
        self._running: dict[str, _Running] = {}

    def next_firings(self) -> list[tuple[str, datetime]]:
        return sorted(
            ((entry.name, due) for entry, due in zip(self._entries, self._due, strict=True)),
            key=lambda pair: pair[1],
        )

    def step(self) -> list[Firing]:
        """Sleep until the next firing (waking meanwhile to check on running pipelines), then
        note finished runs and fire what is due."""
        wait = (min(self._due) - self._clock.now()).total_seconds()
        if self._running:
            wait = min(wait, self._poll_seconds)
        if wait > 0:
            self._clock.sleep(wait)
        now = self._clock.now()
        self._note_finished(now)
        firings = []
        for position, entry in enumerate(self._entries):
            if self._due[position] <= now:
                firings.append(self._fire(entry.name, self._due[position], now))
                self._due[position] = entry.cron.next_after(now, self._zone)
        return firings

    def run_forever(self) -> None:
        for name, due in self.next_firings():
            logger.info(
                "pipeline %s: next firing %s", name, due, extra={"pipeline": name, "next": due}
            )
        while True:
            self.step()

    def _fire(self, name: str, due: datetime, now: datetime) -> Firing:
        fields = {"pipeline": name, "due": due}
        if name in self._running:
            since = self._running[name].fired_at
            logger.warning(
                "pipeline %s: still running since %s, firing due %s skipped",
                name,
                since,
                due,
                extra={**fields, "since": since},
            )
            return Firing(name, due, now, started=False)
        self._running[name] = _Running(self._launch(name), now)
        logger.info("pipeline %s: fired (due %s)", name, due, extra=fields)
        return Firing(name, due, now, started=True)

    def _note_finished(self, now: datetime) -> None:
        for name, run in list(self._running.items()):
            status = run.handle.poll()
            if status is None:
                continue
            del self._running[name]
            seconds = round((now - run.fired_at).total_seconds(), 1)
            fields = {"pipeline": name, "exit_status": status, "seconds": seconds}
            if status == 0:
                logger.info("pipeline %s: finished in %s s", name, seconds, extra=fields)
            else:
                logger.error(
                    "pipeline %s: failed (exit status %s) after %s s",
                    name,
                    status,
                    seconds,
                    extra=fields,
                )
