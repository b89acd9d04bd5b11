"""When a held e-mail or push may go out: after the recipient's quiet hours, at their digest time.

Quiet hours and digest times are wall-clock times in the recipient's IANA time zone, so they
follow daylight-saving changes; every result is an aware datetime.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MONDAY = 0


class Digest(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"  # on Mondays


@dataclass(frozen=True)
class Schedule:
    """A recipient's timing preferences."""

    zone: ZoneInfo
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest: Digest = Digest.OFF
    digest_time: time = time(8, 0)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local time is inside [start, end), a span that may cross midnight."""
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(now: datetime, schedule: Schedule) -> datetime | None:
    """When the quiet hours ``now`` falls in end; None when it is not in quiet hours."""
    start, end = schedule.quiet_start, schedule.quiet_end
    if start is None or end is None:
        return None
    local = now.astimezone(schedule.zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return None
    ends = _at(local.date(), end, schedule.zone)
    return ends if ends > local else _at(local.date() + timedelta(days=1), end, schedule.zone)


def next_digest(now: datetime, schedule: Schedule) -> datetime:
    """The first digest time after ``now`` (daily, or on the next Monday for a weekly digest)."""
    local = now.astimezone(schedule.zone)
    day = local.date()
    while True:
        candidate = _at(day, schedule.digest_time, schedule.zone)
        weekday_fits = schedule.digest is not Digest.WEEKLY or day.weekday() == MONDAY
        if candidate > local and weekday_fits:
            return candidate
        day += timedelta(days=1)


def release_time(now: datetime, schedule: Schedule, *, digest: bool) -> datetime | None:
    """When a message may go out: None for now, else after quiet hours (or at the digest time,
    itself moved past quiet hours)."""
    if digest:
        moment = next_digest(now, schedule)
        return quiet_hours_end(moment, schedule) or moment
    return quiet_hours_end(now, schedule)
