"""Badges from declarative rules (``badges.toml``), each awarded to a learner at most once.

The statements consumer calls ``award_badges`` after it stored a learner's statement, inside the
idempotent-consumer transaction: the award row (primary key learner × badge) and its
``badge.awarded`` event commit together, and the event is recorded only when the insert happened,
so a redelivered statement or a second evaluation awards nothing twice.
"""

import tomllib
import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.encoding import utc_of
from core.infra.analytics.schema import LEARNING_STATEMENTS
from core.infra.database import utcnow
from platform_api.auth.models import User
from platform_api.progress.events import BADGE_AWARDED, BadgeAwarded, record
from platform_api.progress.models import BadgeAward
from platform_api.progress.streaks import ACTIVE_SINCE, SLOT, lookback_start, streak_of

RULES_FILE = Path(__file__).with_name("badges.toml")
Verb = Literal["viewed", "completed", "answered", "submitted", "scored", "asked", "earned"]


class StatementFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verb: Verb
    object_type: str | None = Field(None, max_length=50)
    success: bool | None = None


class StatementCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: StatementFilter
    at_least: int = Field(ge=1)
    distinct: Literal["statements", "objects"] = "statements"


class StreakDays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    streak_days: int = Field(ge=1, le=366)


class BadgeRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
    title: str = Field(min_length=1, max_length=200)
    condition: StatementCount | StreakDays


@cache
def badge_rules(path: Path = RULES_FILE) -> tuple[BadgeRule, ...]:
    """The rules of ``path``, validated; a malformed file fails at start, not at award time."""
    document = tomllib.loads(path.read_text())
    rules = TypeAdapter(list[BadgeRule]).validate_python(document.get("badges", []))
    if len({rule.id for rule in rules}) != len(rules):
        raise ValueError(f"{path}: two badges share an id")
    return tuple(rules)


def _matching(condition: StatementCount, name: str) -> tuple[str, dict[str, Any]]:
    """The column counting the statements that meet ``condition`` (parameters prefixed ``name``)."""
    where = [f"verb = {{{name}_verb:String}}"]
    parameters: dict[str, Any] = {f"{name}_verb": condition.statements.verb}
    if condition.statements.object_type is not None:
        where.append(f"object_type = {{{name}_object_type:String}}")
        parameters[f"{name}_object_type"] = condition.statements.object_type
    if condition.statements.success is not None:
        where.append(f"success = {{{name}_success:Bool}}")
        parameters[f"{name}_success"] = condition.statements.success
    counted = "statement_id" if condition.distinct == "statements" else "object_id"
    return f"uniqExactIf({counted}, {' AND '.join(where)}) AS {name}", parameters


def verdict_query(rules: Sequence[BadgeRule], now: datetime) -> tuple[str, dict[str, Any]]:
    """One scan of a learner's statements (the latest revision of each, by ``FINAL``) that
    decides every rule of ``rules``: a count per statement rule and, if a streak rule is among
    them, the quarter hours the streak is made of. Bind ``learner_id`` to run it."""
    columns: list[str] = []
    parameters: dict[str, Any] = {}
    for index, rule in enumerate(rules):
        if isinstance(rule.condition, StatementCount):
            column, named = _matching(rule.condition, f"rule_{index}")
            columns.append(column)
            parameters |= named
    if any(isinstance(rule.condition, StreakDays) for rule in rules):
        columns.append(f"groupUniqArrayIf({SLOT}, {ACTIVE_SINCE}) AS slots")
        parameters["since"] = lookback_start(now)
    sql = (
        f"SELECT {', '.join(columns)} FROM {LEARNING_STATEMENTS} FINAL "
        "WHERE learner_id = {learner_id:UUID}"
    )
    return sql, parameters


async def verdicts(
    analytics: AnalyticsStore,
    learner_id: uuid.UUID,
    time_zone: str,
    rules: Sequence[BadgeRule],
    now: datetime,
) -> dict[str, bool]:
    """Whether each rule's condition holds for the learner now, from one query."""
    sql, parameters = verdict_query(rules, now)
    [row] = await analytics.query(sql, parameters | {"learner_id": learner_id})
    streak_days = 0
    if "slots" in row:
        slots = [utc_of(slot) for slot in row["slots"]]
        streak_days = streak_of(slots, time_zone, now).current_days
    return {
        rule.id: (
            streak_days >= rule.condition.streak_days
            if isinstance(rule.condition, StreakDays)
            else int(row[f"rule_{index}"]) >= rule.condition.at_least
        )
        for index, rule in enumerate(rules)
    }


async def _insert_award(session: AsyncSession, learner_id: uuid.UUID, rule: BadgeRule) -> bool:
    awarded_at = utcnow()
    statement = (
        insert(BadgeAward)
        .values(learner_id=learner_id, badge=rule.id, awarded_at=awarded_at)
        .on_conflict_do_nothing(index_elements=["learner_id", "badge"])
        .returning(BadgeAward.badge)
    )
    if (await session.execute(statement)).scalar_one_or_none() is None:
        return False
    payload = BadgeAwarded(
        learner_id=learner_id, badge=rule.id, title=rule.title, awarded_at=awarded_at
    )
    record(session, BADGE_AWARDED, payload)
    return True


def _concerned(rule: BadgeRule, verb: str | None) -> bool:
    """Whether a statement with ``verb`` may change the rule's verdict (None: any may)."""
    if verb is None:
        return True
    if isinstance(rule.condition, StreakDays):
        return verb != "earned"  # a badge is not activity (see ``streaks``)
    return rule.condition.statements.verb == verb


async def award_badges(
    session: AsyncSession,
    analytics: AnalyticsStore,
    learner_id: uuid.UUID,
    verb: str | None = None,
) -> list[str]:
    """Award every badge whose condition now holds for the learner; return those newly awarded.

    ``verb``: the statement that prompted the evaluation; rules it cannot affect are skipped.
    Adds to the caller's transaction. A learner erased meanwhile gets nothing (and no error).
    """
    learner = await session.get(User, learner_id)
    if learner is None:
        return []
    held = set(
        await session.scalars(select(BadgeAward.badge).where(BadgeAward.learner_id == learner_id))
    )
    pending = [rule for rule in badge_rules() if rule.id not in held and _concerned(rule, verb)]
    if not pending:
        return []
    holds = await verdicts(analytics, learner_id, learner.time_zone, pending, utcnow())
    awarded = []
    for rule in pending:
        if holds[rule.id] and await _insert_award(session, learner_id, rule):
            awarded.append(rule.id)
    return awarded
