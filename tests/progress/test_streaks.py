"""Daily streaks in the learner's time zone, across daylight-saving changes.

America/New_York springs forward on 2026-03-08 (a 23-hour day), Europe/Berlin on 2026-03-29.
The moments are chosen so that a fixed UTC offset (the zone's winter one) puts one of them on the
wrong local date: only a DST-aware conversion gives the streaks asserted here.
"""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from platform_api.auth.models import User
from platform_api.progress.service import learner_progress
from platform_api.progress.streaks import local_days, streak_from
from tests.fixtures.app import Api
from tests.progress.factories import lesson_event, make_course, wait_for_statements

NEW_YORK, BERLIN = "America/New_York", "Europe/Berlin"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# New York: Sat 03-07 12:00 EST, Sun 03-08 12:00 EDT (the short day), Mon 03-09 00:30 EDT.
NEW_YORK_ACROSS_DST = [utc("2026-03-07 17:00"), utc("2026-03-08 16:00"), utc("2026-03-09 04:30")]
# Berlin: Sat 03-28 23:30 CET, Sun 03-29 12:00 CEST (the short day), Mon 03-30 00:30 CEST.
BERLIN_ACROSS_DST = [utc("2026-03-28 22:30"), utc("2026-03-29 10:00"), utc("2026-03-29 22:30")]


def test_a_streak_survives_the_spring_forward_in_new_york() -> None:
    days = local_days(NEW_YORK_ACROSS_DST, ZoneInfo(NEW_YORK))
    assert days == {date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)}
    streak = streak_from(days, date(2026, 3, 9), NEW_YORK)
    assert (streak.current_days, streak.longest_days) == (3, 3)
    # The winter offset alone would have put Monday 00:30 EDT on Sunday: a 2-day streak.
    assert local_days(NEW_YORK_ACROSS_DST, ZoneInfo("EST")) != days


def test_a_streak_survives_the_spring_forward_in_berlin() -> None:
    days = local_days(BERLIN_ACROSS_DST, ZoneInfo(BERLIN))
    assert days == {date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)}
    assert streak_from(days, date(2026, 3, 30), BERLIN).current_days == 3


def test_a_missed_local_day_breaks_the_streak() -> None:
    days = {date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 10)}
    streak = streak_from(days, date(2026, 3, 10), NEW_YORK)
    assert (streak.current_days, streak.longest_days) == (1, 2)
    # Today not yet active: the streak up to yesterday still counts; two days ago it is over.
    assert streak_from(days, date(2026, 3, 11), NEW_YORK).current_days == 1
    assert streak_from(days, date(2026, 3, 12), NEW_YORK).current_days == 0


async def test_streaks_through_the_api_in_two_time_zones(api: Api) -> None:
    """Two learners active at the same UTC moments have different streaks in their own zones."""
    new_yorker, berliner = await api.account("student"), await api.account("student")
    for account, zone in ((new_yorker, NEW_YORK), (berliner, BERLIN)):
        changed = await api.client.patch(
            "/api/v1/users/me", headers=account.headers, json={"time_zone": zone}
        )
        assert changed.status_code == 200 and changed.json()["time_zone"] == zone
    bad = await api.client.patch(
        "/api/v1/users/me", headers=new_yorker.headers, json={"time_zone": "Mars/Olympus_Mons"}
    )
    assert bad.status_code == 422

    async with api.stores.database.session() as session:
        course = await make_course(session, new_yorker.id, lessons=1)
    # NY: 03-07 23:30 EST, 03-08 16:00 EDT, 03-09 16:00 EDT → 3 days.
    # Berlin: 03-08 05:30, 03-08 21:00, 03-09 21:00 → 2 days.
    moments = [utc("2026-03-08 04:30"), utc("2026-03-08 20:00"), utc("2026-03-09 20:00")]
    for account in (new_yorker, berliner):
        for moment in moments:
            await api.stores.bus.publish(lesson_event(account.id, course.lessons[0], moment))
        await wait_for_statements(api, account.id, len(moments))

    now = utc("2026-03-09 22:00")  # NY 18:00, Berlin 23:00, both on Monday 03-09
    async with api.stores.database.session() as session:
        streaks = {}
        for account in (new_yorker, berliner):
            user = await session.get(User, account.id)
            assert user is not None
            progress = await learner_progress(session, api.stores.analytics, user, now)
            streaks[account.id] = progress.streak
    assert streaks[new_yorker.id].current_days == 3
    assert streaks[berliner.id].current_days == 2
    assert streaks[berliner.id].last_active_on == date(2026, 3, 9)
    assert streaks[new_yorker.id].time_zone == NEW_YORK


async def test_an_unknown_stored_zone_reads_as_utc(api: Api) -> None:
    learner = await api.account("student")
    async with api.stores.database.session() as session:
        await session.execute(
            update(User).where(User.id == learner.id).values(time_zone="Nowhere/Atlantis")
        )
        await session.commit()
    progress = await api.client.get("/api/v1/me/progress", headers=learner.headers)
    assert progress.status_code == 200
    assert progress.json()["streak"]["current_days"] == 0
    assert uuid.UUID(progress.json()["learner_id"]) == learner.id
