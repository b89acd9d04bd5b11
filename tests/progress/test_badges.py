"""Badges from declarative rules: awarded once, however often the statements arrive."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from core.infra.analytics.schema import LEARNING_STATEMENTS
from core.infra.outbox_models import OutboxEvent
from platform_api.progress.badges import award_badges, badge_rules
from platform_api.progress.events import BADGE_AWARDED
from platform_api.progress.models import BadgeAward
from tests.fixtures.app import Api
from tests.infra.bus_support import eventually
from tests.progress.factories import lesson_event, make_course, wait_for_statements


async def test_a_badge_is_awarded_exactly_once_under_redelivery(api: Api) -> None:
    learner = await api.account("student")
    async with api.stores.database.session() as session:
        course = await make_course(session, learner.id, lessons=2)
    completed = lesson_event(learner.id, course.lessons[0], datetime.now(UTC))
    # The same event three times (a redelivering broker), then a second lesson.
    for _ in range(3):
        await api.stores.bus.publish(completed)
    later = lesson_event(learner.id, course.lessons[1], datetime.now(UTC) + timedelta(seconds=1))
    await api.stores.bus.publish(later)
    await wait_for_statements(api, learner.id, 2, verb="completed")

    async def earned_statement_stored() -> bool:
        return bool(await wait_for_statements(api, learner.id, 1, verb="earned"))

    await eventually(earned_statement_stored)
    async with api.stores.database.session() as session, session.begin():
        # Evaluating again (another consumer, a retry) awards nothing new.
        assert await award_badges(session, api.stores.analytics, learner.id) == []
        awards = list(
            await session.scalars(select(BadgeAward).where(BadgeAward.learner_id == learner.id))
        )
        events = list(
            await session.scalars(select(OutboxEvent).where(OutboxEvent.type == BADGE_AWARDED))
        )
    assert [award.badge for award in awards] == ["first-lesson"]
    assert [event.payload["badge"] for event in events] == ["first-lesson"]
    earned = await wait_for_statements(api, learner.id, 1, verb="earned")
    assert [(row["object_id"], row["object_name"]) for row in earned] == [
        ("first-lesson", "First lesson completed")
    ]

    progress = (await api.client.get("/api/v1/me/progress", headers=learner.headers)).json()
    assert [badge["id"] for badge in progress["badges"]] == ["first-lesson"]
    assert progress["courses"][0]["lessons_completed"] == 2
    assert progress["courses"][0]["completion"] == 1.0


async def test_a_streak_badge_follows_the_rule_file(api: Api) -> None:
    learner = await api.account("student")
    async with api.stores.database.session() as session:
        course = await make_course(session, learner.id, lessons=1)
    now = datetime.now(UTC)
    for days_ago in (2, 1, 0):
        viewed = lesson_event(learner.id, course.lessons[0], now - timedelta(days=days_ago), False)
        await api.stores.bus.publish(viewed)
    await wait_for_statements(api, learner.id, 3, verb="viewed")

    async def awarded() -> bool:
        async with api.stores.database.session() as session:
            found = await session.get(BadgeAward, (learner.id, "streak-3"))
            return found is not None

    await eventually(awarded)
    async with api.stores.database.session() as session:
        assert await session.get(BadgeAward, (learner.id, "streak-7")) is None


async def test_one_evaluation_reads_the_statements_once_for_every_rule(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = await api.account("student")
    now = datetime.now(UTC)

    def statement(verb: str, at: datetime = now, **fields: Any) -> dict[str, Any]:
        return {
            "statement_id": uuid.uuid4(),
            "learner_id": learner.id,
            "timestamp": at,
            "verb": verb,
            "object_name": "",
            "revision": 0,
            **fields,
        }

    rows = [
        # Three days in a row: streak-3, not streak-7.
        *(statement("viewed", now - timedelta(days=days)) for days in (2, 1, 0)),
        # Five completions of two lessons: first-lesson, not five-lessons (distinct objects).
        *(statement("completed", object_type="lesson", object_id=f"l{n % 2}") for n in range(5)),
        # Twelve answers, nine right: not ten-correct.
        *(statement("answered", success=n < 9) for n in range(12)),
        # Ten tutor questions: curious. Nothing scored: not first-graded.
        *(statement("asked") for _ in range(10)),
    ]
    await api.stores.analytics.insert(LEARNING_STATEMENTS, rows)
    reads = 0
    query = api.stores.analytics.query

    async def counted_query(sql: str, parameters: Any = None) -> list[dict[str, Any]]:
        nonlocal reads
        reads += 1
        return await query(sql, parameters)

    monkeypatch.setattr(api.stores.analytics, "query", counted_query)
    async with api.stores.database.session() as session, session.begin():
        awarded = await award_badges(session, api.stores.analytics, learner.id)
    assert sorted(awarded) == ["curious", "first-lesson", "streak-3"]
    assert reads == 1


def test_a_malformed_rule_file_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "badges.toml"
    rules.write_text('[[badges]]\nid = "x"\ntitle = "X"\ncondition = { streak_days = 0 }\n')
    with pytest.raises(ValidationError):
        badge_rules(rules)
    rules.write_text('[[badges]]\nid = "x"\ntitle = "X"\ncondition = { streak_days = 2 }\n' * 2)
    with pytest.raises(ValueError, match="share an id"):
        badge_rules(rules)
