"""Cron expressions parse as cron does and name the right next times (time zones and daylight
saving included); the scheduler, on an injected clock, fires each pipeline when due, logs it, and
never starts a pipeline whose previous run is still going."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipelines.schedule.cron import CronError, CronExpression
from pipelines.schedule.scheduler import Firing, Scheduler, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_fields_lists_ranges_steps_and_names() -> None:
    cron = CronExpression.parse("*/20 9-11,17 * jan,jul mon-fri")
    assert cron.minutes == {0, 20, 40}
    assert cron.hours == {9, 10, 11, 17}
    assert cron.months == {1, 7}
    assert cron.weekdays == {1, 2, 3, 4, 5}
    assert (cron.days_restricted, cron.weekdays_restricted) == (False, True)
    assert CronExpression.parse("0 0 * * 7").weekdays == {0}  # 7 is Sunday too
    assert CronExpression.parse("5/20 * * * *").minutes == {5, 25, 45}
    daily = CronExpression.parse("@daily")
    assert (daily.minutes, daily.hours, daily.days) == ({0}, {0}, frozenset(range(1, 32)))
    assert CronExpression.parse("@weekly").weekdays == {0}


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("0 3 * *", "5 fields"),
        ("60 * * * *", "minute '60' is outside 0-59"),
        ("0 24 * * *", "hour '24' is outside 0-23"),
        ("0 0 0 * *", "day of month '0' is outside 1-31"),
        ("*/0 * * * *", "bad minute '*/0'"),
        ("0 0 * smarch *", "bad month 'smarch'"),
        ("0 0 * * 1-", "bad day of week '1-'"),
        ("0 0 * * 5-2", "outside"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, complaint: str) -> None:
    with pytest.raises(CronError) as refused:
        CronExpression.parse(expression)
    assert complaint in str(refused.value)


def test_next_firing_is_strictly_later() -> None:
    nightly = CronExpression.parse("0 3 * * *")
    assert nightly.next_after(utc(2026, 3, 10, 2, 59, 30)) == utc(2026, 3, 10, 3, 0)
    assert nightly.next_after(utc(2026, 3, 10, 3, 0)) == utc(2026, 3, 11, 3, 0)
    office = CronExpression.parse("*/15 9-17 * * mon-fri")
    friday_evening = utc(2026, 3, 13, 17, 50)
    assert office.next_after(friday_evening) == utc(2026, 3, 16, 9, 0)  # Monday
    assert office.next_after(utc(2026, 3, 16, 9, 7)) == utc(2026, 3, 16, 9, 15)


def test_both_day_fields_restricted_means_either() -> None:
    cron = CronExpression.parse("0 0 13 * fri")  # the 13th, and every Friday
    assert cron.next_after(utc(2026, 2, 1)) == utc(2026, 2, 6)  # a Friday, not the 13th
    assert cron.next_after(utc(2026, 2, 10)) == utc(2026, 2, 13)  # both
    assert cron.next_after(utc(2026, 3, 7)) == utc(2026, 3, 13)  # a Friday again, the 13th


def test_leap_days_are_found_and_impossible_dates_refused() -> None:
    assert CronExpression.parse("0 0 29 2 *").next_after(utc(2026, 3, 1)) == utc(2028, 2, 29)
    with pytest.raises(CronError, match="never fires"):
        CronExpression.parse("0 0 30 2 *").next_after(utc(2026, 1, 1))


def test_wall_clock_times_across_daylight_saving() -> None:
    cron = CronExpression.parse("30 2 * * *")
    # 29 March 2026: Berlin jumps from 02:00 to 03:00, so 02:30 does not exist that day.
    after_28th = cron.next_after(datetime(2026, 3, 28, 2, 31, tzinfo=BERLIN), BERLIN)
    assert after_28th == datetime(2026, 3, 30, 2, 30, tzinfo=BERLIN)
    assert after_28th.utcoffset() == timedelta(hours=2)
    # 25 October 2026: 02:30 comes twice (summer time, then winter time); it fires once.
    first = cron.next_after(datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN), BERLIN)
    assert first.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert cron.next_after(first, BERLIN).astimezone(UTC) == utc(2026, 10, 26, 1, 30)
    nightly = CronExpression.parse("0 3 * * *")
    assert nightly.next_after(utc(2026, 7, 1), BERLIN).astimezone(UTC) == utc(2026, 7, 1, 1, 0)


def test_schedule_setting() -> None:
    known = ["embeddings", "dataset"]
    entries = parse_schedule("embeddings=0 3 * * *;\n dataset = @weekly ;", known)
    assert [(entry.name, entry.cron.source) for entry in entries] == [
        ("embeddings", "0 3 * * *"),
        ("dataset", "@weekly"),
    ]
    assert parse_schedule("  ", known) == []
    with pytest.raises(CronError, match="no pipeline named 'embedings'"):
        parse_schedule("embedings=0 3 * * *", known)
    with pytest.raises(CronError, match="write NAME=CRON"):
        parse_schedule("0 3 * * *", known)


@dataclass
class FakeClock:
    """Time that moves only when the scheduler sleeps."""

    current: datetime
    slept: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


@dataclass
class FakeRun:
    status: int | None = None

    def poll(self) -> int | None:
        return self.status


@dataclass
class FakeLauncher:
    clock: FakeClock
    started: list[tuple[str, datetime]] = field(default_factory=list)
    runs: list[FakeRun] = field(default_factory=list)

    def __call__(self, name: str) -> FakeRun:
        self.started.append((name, self.clock.now()))
        self.runs.append(FakeRun())
        return self.runs[-1]


def test_scheduler_fires_when_due_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(utc(2026, 3, 10, 0, 0))
    launch = FakeLauncher(clock)
    entries = parse_schedule("embeddings=0 3 * * *; dataset=30 * * * *", ["embeddings", "dataset"])
    scheduler = Scheduler(entries, launch, clock=clock, poll_seconds=60)
    assert scheduler.next_firings() == [
        ("dataset", utc(2026, 3, 10, 0, 30)),
        ("embeddings", utc(2026, 3, 10, 3, 0)),
    ]
    caplog.set_level(logging.INFO, logger="pipelines.schedule.scheduler")

    assert scheduler.step() == [Firing("dataset", clock.current, clock.current, True)]
    assert clock.slept == [30 * 60]  # asleep until then, no busy waiting
    launch.runs[-1].status = 0
    firings: list[Firing] = []
    while not any(firing.name == "embeddings" for firing in firings):
        firings += scheduler.step()
    assert [(firing.name, firing.due) for firing in firings] == [
        ("dataset", utc(2026, 3, 10, 1, 30)),
        ("dataset", utc(2026, 3, 10, 2, 30)),
        ("embeddings", utc(2026, 3, 10, 3, 0)),
    ]
    assert launch.started[-1] == ("embeddings", utc(2026, 3, 10, 3, 0))
    messages = [record.getMessage() for record in caplog.records]
    assert "pipeline dataset: finished in 60.0 s" in messages  # noticed at the next check
    assert any(
        message.startswith("pipeline embeddings: fired (due 2026-03-10 03:00")
        for message in messages
    )


def test_a_pipeline_still_running_is_not_started_again(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(utc(2026, 3, 10, 2, 0))
    launch = FakeLauncher(clock)
    scheduler = Scheduler(parse_schedule("embeddings=@hourly", ["embeddings"]), launch, clock=clock)
    first = scheduler.step()
    while clock.current < utc(2026, 3, 10, 4, 0):
        scheduler.step()
    assert [started for started, _ in launch.started] == ["embeddings"]  # once, at 03:00
    assert first == [Firing("embeddings", utc(2026, 3, 10, 3), utc(2026, 3, 10, 3), True)]
    assert any("still running since" in record.getMessage() for record in caplog.records)

    launch.runs[0].status = 1  # it failed; the next firing starts it again
    while len(launch.started) < 2:
        scheduler.step()
    assert launch.started[1] == ("embeddings", utc(2026, 3, 10, 5, 0))
    assert any(
        record.levelno == logging.ERROR and "failed (exit status 1)" in record.getMessage()
        for record in caplog.records
    )


def test_nothing_to_schedule_is_an_error() -> None:
    with pytest.raises(CronError, match="nothing to schedule"):
        Scheduler([], FakeLauncher(FakeClock(utc(2026, 1, 1))))
