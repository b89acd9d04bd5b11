"""When held mail may go out: quiet hours across midnight and daylight-saving changes, digests."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from platform_api.notifications.schedule import (
    Digest,
    Schedule,
    next_digest,
    quiet_hours_end,
    release_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = Schedule(BERLIN, time(22, 0), time(7, 0))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_quiet_hours_across_midnight() -> None:
    assert quiet_hours_end(utc(2026, 1, 10, 20, 59), NIGHT) is None  # 21:59 Berlin
    assert quiet_hours_end(utc(2026, 1, 10, 21, 0), NIGHT) == utc(2026, 1, 11, 6, 0)
    assert quiet_hours_end(utc(2026, 1, 11, 2, 0), NIGHT) == utc(2026, 1, 11, 6, 0)
    assert quiet_hours_end(utc(2026, 1, 11, 6, 0), NIGHT) is None  # 07:00: over
    daytime = Schedule(BERLIN, time(12, 0), time(13, 30))
    assert quiet_hours_end(utc(2026, 1, 10, 11, 15), daytime) == utc(2026, 1, 10, 12, 30)
    assert quiet_hours_end(utc(2026, 1, 10, 11, 15), Schedule(BERLIN)) is None


def test_quiet_hours_end_on_local_time_across_a_daylight_saving_change() -> None:
    # Berlin moves to summer time on 29 March 2026: 07:00 that morning is 05:00 UTC, not 06:00.
    assert quiet_hours_end(utc(2026, 3, 28, 23, 0), NIGHT) == utc(2026, 3, 29, 5, 0)


def test_digests_daily_and_on_mondays() -> None:
    daily = Schedule(ZoneInfo("America/New_York"), digest=Digest.DAILY, digest_time=time(18, 0))
    assert next_digest(utc(2026, 3, 2, 14, 0), daily) == utc(2026, 3, 2, 23, 0)
    assert next_digest(utc(2026, 3, 2, 23, 0), daily) == utc(2026, 3, 3, 23, 0)
    weekly = Schedule(BERLIN, digest=Digest.WEEKLY, digest_time=time(8, 0))
    # Wednesday 4 March → Monday 9 March, 08:00 Berlin.
    assert next_digest(utc(2026, 3, 4, 9, 0), weekly) == utc(2026, 3, 9, 7, 0)


def test_a_digest_time_inside_quiet_hours_waits_for_their_end() -> None:
    early = Schedule(BERLIN, time(22, 0), time(7, 0), Digest.DAILY, time(6, 0))
    assert release_time(utc(2026, 1, 10, 12, 0), early, digest=True) == utc(2026, 1, 11, 6, 0)
    assert release_time(utc(2026, 1, 10, 12, 0), early, digest=False) is None
