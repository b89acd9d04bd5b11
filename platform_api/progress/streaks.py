"""Daily streaks in the learner's own time zone, safe across daylight-saving changes.

ClickHouse returns the quarter hours in which a learner did something (UTC); Python turns each
into a local date with ``zoneinfo``. Every UTC offset and every offset change in the tz database
falls on a quarter hour, so a whole quarter hour lies within one local date, and a 23- or 25-hour
day is still one day: a streak survives a DST change and breaks only on a missed local day.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.encoding import utc_of
from core.infra.analytics.schema import LEARNING_STATEMENTS

# Streaks are looked for this far back; a longer one reads as this long.
LOOKBACK_DAYS = 400

# A statement counts as activity since ``since`` unless it records a badge (not activity itself),
# and falls into the UTC quarter hour ``SLOT``.
ACTIVE_SINCE = "timestamp >= {since:DateTime64(3, 'UTC')} AND verb != 'earned'"
SLOT = "toStartOfFifteenMinutes(timestamp)"
ACTIVITY_SLOTS = f"""
SELECT learner_id, {SLOT} AS slot
FROM {LEARNING_STATEMENTS}
WHERE learner_id IN {{learners:Array(UUID)}} AND {ACTIVE_SINCE}
GROUP BY learner_id, slot
"""


@dataclass(frozen=True)
class Streak:
    current_days: int
    longest_days: int
    last_active_on: date | None
    time_zone: str


def zone_of(name: str) -> ZoneInfo:
    """The learner's zone; UTC if the stored name is unknown to this machine's tz database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_days(moments: Iterable[datetime], zone: ZoneInfo) -> set[date]:
    return {moment.astimezone(zone).date() for moment in moments}


def streak_from(days: set[date], today: date, time_zone: str) -> Streak:
    """The run of consecutive days ending today (or yesterday: today is not over yet)."""
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current, day = current + 1, day - timedelta(days=1)
    longest, run, previous = 0, 0, None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest, previous = max(longest, run), day
    return Streak(current, longest, max(days, default=None), time_zone)


def lookback_start(now: datetime) -> datetime:
    """The earliest moment whose activity counts towards a streak."""
    return now - timedelta(days=LOOKBACK_DAYS)


def streak_of(slots: Iterable[datetime], time_zone: str, now: datetime) -> Streak:
    """The streak of a learner active in ``slots`` (UTC quarter hours), in their time zone."""
    zone = zone_of(time_zone)
    return streak_from(local_days(slots, zone), now.astimezone(zone).date(), time_zone)


async def activity_by_learner(
    analytics: AnalyticsStore, learners: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[datetime]]:
    """The UTC quarter hours in which each learner did something, over the lookback."""
    if not learners:
        return {}
    parameters = {"learners": list(learners), "since": lookback_start(now)}
    rows = await analytics.query(ACTIVITY_SLOTS, parameters)
    slots: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for row in rows:
        slots[uuid.UUID(row["learner_id"])].append(utc_of(row["slot"]))
    return slots


async def streaks(
    analytics: AnalyticsStore, time_zones: Mapping[uuid.UUID, str], now: datetime
) -> dict[uuid.UUID, Streak]:
    """Each learner's streak in their time zone (``time_zones``: learner → IANA name)."""
    slots = await activity_by_learner(analytics, list(time_zones), now)
    return {
        learner: streak_of(slots.get(learner, []), name, now)
        for learner, name in time_zones.items()
    }
