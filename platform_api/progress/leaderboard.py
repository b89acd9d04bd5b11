"""Weekly class leaderboards: points of graded answers in the class's courses this ISO week.

Learners who opted out are left out. Learners under 13 appear by first name only, or not at all,
as the ``leaderboard_under_13`` setting says. No learner ids are shown: classmates see names.
"""

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from core.errors import NotFound, ValidationFailed
from core.infra.analytics import AnalyticsStore
from platform_api.auth.models import User
from platform_api.auth.service import is_under_age
from platform_api.progress.queries import leaderboard_points
from platform_api.progress.roster import Roster
from platform_api.progress.schemas import Leaderboard, LeaderboardEntry

LEADERBOARD_MINIMUM_AGE = 13
# Weeks 01-53 of years 1900-2099; a week 53 its year lacks is 404 (no such week).
ISO_WEEK_PATTERN = r"^((?:19|20)\d{2})-W(0[1-9]|[1-4]\d|5[0-3])$"
ISO_WEEK = re.compile(ISO_WEEK_PATTERN)
Under13 = Literal["first_name", "hidden"]


def week_bounds(week: str | None, now: datetime) -> tuple[str, datetime, datetime]:
    """The ISO week (``2026-W10``; default: this week) and its [Monday, next Monday) in UTC."""
    if week is None:
        year, number, _ = now.astimezone(UTC).isocalendar()
    else:
        match = ISO_WEEK.match(week)
        if match is None:
            raise ValidationFailed("week must look like 2026-W10 (1900-2099).", {"field": "week"})
        year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError as error:
        raise NotFound(f"No such ISO week: {error}.", {"field": "week"}) from error
    start = datetime.combine(monday, time(), UTC)
    return f"{year:04d}-W{number:02d}", start, start + timedelta(days=7)


def shown_name(learner: User, under_13: Under13) -> str | None:
    """How the learner appears on the board; None: not at all."""
    if not is_under_age(learner.birth_date, LEADERBOARD_MINIMUM_AGE):
        return learner.display_name
    if under_13 == "hidden":
        return None
    return learner.display_name.split(maxsplit=1)[0] if learner.display_name.strip() else "?"


async def class_leaderboard(
    analytics: AnalyticsStore,
    roster: Roster,
    viewer_id: uuid.UUID,
    *,
    week: str | None,
    under_13: Under13,
    now: datetime,
) -> Leaderboard:
    label, start, end = week_bounds(week, now)
    shown = {
        learner.id: name
        for learner in roster.learners
        if not learner.leaderboard_opt_out and (name := shown_name(learner, under_13)) is not None
    }
    points = await leaderboard_points(analytics, list(shown), roster.course_ids, start, end)
    ranked = sorted(shown, key=lambda learner: (-points.get(learner, 0.0), shown[learner], learner))
    entries, rank, previous = [], 0, None
    for position, learner in enumerate(ranked, start=1):
        score = points.get(learner, 0.0)
        rank = rank if score == previous else position  # equal points share a rank
        previous = score
        entries.append(
            LeaderboardEntry(
                rank=rank, name=shown[learner], points=score, is_you=learner == viewer_id
            )
        )
    return Leaderboard(
        class_id=roster.school_class.id, week=label, starts_at=start, ends_at=end, entries=entries
    )
