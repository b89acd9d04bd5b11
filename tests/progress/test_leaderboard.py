"""Weekly class leaderboards: opt-out respected, under-13 learners by first name or hidden."""

import uuid
from datetime import date, timedelta

from sqlalchemy import update

from core.infra.analytics.encoding import utc_of
from core.infra.database import utcnow
from platform_api.auth.models import User
from platform_api.auth.tokens import AccessClaims
from platform_api.progress.leaderboard import class_leaderboard, week_bounds
from platform_api.progress.roster import class_roster
from tests.fixtures.app import Account, Api
from tests.progress.factories import (
    make_assignment,
    make_class,
    make_course,
    make_graded_sitting,
    make_learners,
    this_week,
    wait_for_statements,
)


async def test_the_leaderboard_respects_opt_out_and_the_under_13_rule(api: Api) -> None:
    teacher, viewer, shy = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("student"),
    )
    async with api.stores.database.session() as session:
        course = await make_course(session, teacher.id, lessons=3)
        [young, idle] = await make_learners(session, 2)
        # Young is 10 today; registering them would ask a parent first, so set it directly.
        ten_years_ago = date.today().replace(year=date.today().year - 10)
        await session.execute(
            update(User)
            .where(User.id == young.id)
            .values(birth_date=ten_years_ago, display_name="Mia Young")
        )
        await session.commit()
    class_id = await make_class(api, teacher, [viewer, shy, young, idle], course.course_id)
    opted = await api.client.patch(
        "/api/v1/users/me", headers=shy.headers, json={"leaderboard_opt_out": True}
    )
    assert opted.json()["leaderboard_opt_out"] is True

    items, now = course.items, this_week()
    async with api.stores.database.session() as session:
        assignment = await make_assignment(session, uuid.UUID(class_id), course)
        scores = {viewer.id: 3, shy.id: 6, young.id: 2}
        for learner_id, correct in scores.items():
            answers = [(item, index < correct) for index, item in enumerate(items)]
            await make_graded_sitting(session, assignment, learner_id, answers, now)
        # Last week's points do not count this week.
        last_week = await make_assignment(session, uuid.UUID(class_id), course, "Old")
        await make_graded_sitting(
            session, last_week, idle.id, [(items[0], True)], now - timedelta(days=7)
        )
    for learner_id in scores:
        await wait_for_statements(api, learner_id, len(items), verb="answered")
    await wait_for_statements(api, idle.id, 1, verb="answered")

    board = await api.client.get(f"/api/v1/classes/{class_id}/leaderboard", headers=viewer.headers)
    assert board.status_code == 200, board.text
    entries = [(e["rank"], e["name"], e["points"], e["is_you"]) for e in board.json()["entries"]]
    assert entries == [
        (1, "A student", 3.0, True),
        (2, "Mia", 2.0, False),
        (3, "Learner 01 Example", 0.0, False),
    ]
    label, start, _ = week_bounds(None, utcnow())
    assert board.json()["week"] == label and utc_of(board.json()["starts_at"][:19]) == start

    previous = (start - timedelta(days=3)).isocalendar()
    older = await api.client.get(
        f"/api/v1/classes/{class_id}/leaderboard",
        headers=teacher.headers,
        params={"week": f"{previous.year}-W{previous.week:02d}"},
    )
    first = older.json()["entries"][0]
    assert (first["name"], first["points"]) == ("Learner 01 Example", 1.0)
    bad_week = await api.client.get(
        f"/api/v1/classes/{class_id}/leaderboard",
        headers=teacher.headers,
        params={"week": "2026-W60"},
    )
    assert bad_week.status_code == 422
    no_such_week = await api.client.get(
        f"/api/v1/classes/{class_id}/leaderboard",
        headers=teacher.headers,
        params={"week": "2025-W53"},
    )
    assert no_such_week.status_code == 404
    outsider = await api.account("student")
    refused = await api.client.get(
        f"/api/v1/classes/{class_id}/leaderboard", headers=outsider.headers
    )
    assert refused.status_code == 403

    # A school that hides under-13 learners: Mia is not on the board at all.
    async with api.stores.database.session() as session:
        roster = await class_roster(session, _claims(api, teacher), uuid.UUID(class_id))
    hidden = await class_leaderboard(
        api.stores.analytics, roster, teacher.id, week=None, under_13="hidden", now=utcnow()
    )
    assert [entry.name for entry in hidden.entries] == ["A student", "Learner 01 Example"]


def _claims(api: Api, account: Account) -> AccessClaims:
    return api.stores.token_verifier.verify(account.access_token)
