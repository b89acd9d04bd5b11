"""Five-field cron expressions (minute hour day-of-month month day-of-week) and their next
firing time in a time zone.

Fields take ``*``, numbers, ranges ``a-b``, steps ``*/n`` and ``a-b/n``, lists ``a,b``, month and
weekday names (``jan``, ``mon``), 0 or 7 for Sunday, and the shorthands ``@hourly``, ``@daily``
(``@midnight``), ``@weekly``, ``@monthly``, ``@yearly`` (``@annually``). As in Vixie cron, when
both day fields are restricted a day matches if either does. Times are wall-clock times of the
zone: a time skipped by a daylight-saving jump does not fire that day, a repeated one fires once.
Written here rather than taken from a package: it is this small, and its tests say exactly what
it accepts.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

SHORTHANDS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# A schedule that matches nothing real (30 February) is refused rather than searched forever;
# 29 February comes at least once in 8 years.
SEARCH_YEARS = 8


class CronError(ValueError):
    """An expression that cannot be parsed, said with the field at fault."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    names_start: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, tuple(MONTHS), 1),
    _Field("day of week", 0, 7, tuple(WEEKDAYS), 0),
)


@dataclass(frozen=True)
class CronExpression:
    source: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, source: str) -> "CronExpression":
        text = SHORTHANDS.get(source.strip().lower(), source.strip())
        parts = text.split()
        if len(parts) != len(_FIELDS):
            raise CronError(
                f"{source!r}: a cron expression has 5 fields (minute hour day month weekday) "
                f"or is one of {', '.join(SHORTHANDS)}"
            )
        values = [
            _parse_field(part, spec, source) for part, spec in zip(parts, _FIELDS, strict=True)
        ]
        weekdays = frozenset(day % 7 for day in values[4])
        return cls(
            source=source.strip(),
            minutes=values[0],
            hours=values[1],
            days=values[2],
            months=values[3],
            weekdays=weekdays,
            days_restricted=not parts[2].startswith("*"),
            weekdays_restricted=not parts[4].startswith("*"),
        )

    def matches_day(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_month or in_week
        return in_month and in_week

    def next_after(self, moment: datetime, zone: tzinfo = UTC) -> datetime:
        """The first firing strictly after ``moment`` (an aware datetime), as an aware datetime
        in ``zone``."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        wall = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        candidate = wall + timedelta(minutes=1)
        limit = wall + timedelta(days=366 * SEARCH_YEARS)
        while candidate <= limit:
            if not self.matches_day(candidate):
                candidate = candidate.replace(hour=0, minute=0) + timedelta(days=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) + timedelta(hours=1)
            elif candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                firing = _existing(candidate, zone)
                if firing is not None and firing > moment:
                    return firing
                candidate += timedelta(minutes=1)
        raise CronError(
            f"{self.source!r} never fires (no date matches within {SEARCH_YEARS} years)"
        )


def _existing(wall: datetime, zone: tzinfo) -> datetime | None:
    """The aware time of this wall-clock time in the zone; None when a daylight-saving jump
    skips it (it does not survive a round trip through UTC)."""
    aware = wall.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone)
    return aware if back.replace(tzinfo=None) == wall else None


def _parse_field(text: str, spec: _Field, source: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.lower().split(","):
        span, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if step < 1:
                raise ValueError
            low, high = _span(span, spec)
            if step_text and span != "*" and "-" not in span:
                high = spec.high  # "5/15": from 5 to the end, every 15th
        except ValueError:
            raise CronError(f"{source!r}: bad {spec.name} {item!r}") from None
        if not spec.low <= low <= high <= spec.high:
            raise CronError(f"{source!r}: {spec.name} {item!r} is outside {spec.low}-{spec.high}")
        values.update(range(low, high + 1, step))
    return frozenset(values)


def _span(span: str, spec: _Field) -> tuple[int, int]:
    if span == "*":
        return spec.low, spec.high if spec.name != "day of week" else 6
    first, dash, last = span.partition("-")
    low = _number(first, spec)
    return low, _number(last, spec) if dash else low


def _number(text: str, spec: _Field) -> int:
    if text in spec.names:
        return spec.names.index(text) + spec.names_start
    if not text.isdigit():
        raise ValueError(text)
    return int(text)
