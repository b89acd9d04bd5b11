"""Learning statements: what a learner did, xAPI-shaped, stored in ClickHouse's
``learning_statements`` table and read back as xAPI JSON (the learner's export).

Statement ids are derived from what they are about (see ``capture``), so a redelivered event or a
regrade lands on the same id: the table keeps one row per id, the highest ``revision``.
"""

import uuid
from typing import Any

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import LEARNING_STATEMENTS

Row = dict[str, Any]

# Statement ids are UUIDv5 in this namespace, named by what the statement is about.
STATEMENT_NAMESPACE = uuid.UUID("5b0d6c0e-3f0a-4a51-9d35-4f1c2a7e9b11")
HOME_PAGE = "urn:water-classroom"

# The short verbs stored, and the xAPI verb IRIs they stand for.
VERBS: dict[str, str] = {
    "viewed": "http://id.tincanapi.com/verb/viewed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
    "asked": "http://adlnet.gov/expapi/verbs/asked",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY_TYPES: dict[str, str] = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "item": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "assignment": "http://adlnet.gov/expapi/activities/assessment",
    "tutor_session": "http://id.tincanapi.com/activitytype/chat-message",
    "badge": "http://id.tincanapi.com/activitytype/badge",
}
_CONTEXT_IDS = ("course_id", "class_id", "assignment_id", "sitting_id", "objective_id")


def statement_id(*about: object) -> uuid.UUID:
    """The id of the statement about ``about`` (the same parts give the same id)."""
    return uuid.uuid5(STATEMENT_NAMESPACE, ":".join(str(part) for part in about))


async def store_statement(analytics: AnalyticsStore, row: Row) -> None:
    await analytics.insert(LEARNING_STATEMENTS, [row])


async def erase_statements(analytics: AnalyticsStore, learner_id: uuid.UUID) -> None:
    await analytics.execute(
        f"ALTER TABLE {LEARNING_STATEMENTS} DELETE WHERE learner_id = {{learner_id:UUID}}",
        {"learner_id": learner_id},
    )


STATEMENTS_OF_LEARNER = f"""
SELECT * FROM {LEARNING_STATEMENTS} FINAL
WHERE learner_id = {{learner_id:UUID}}
ORDER BY timestamp DESC, statement_id
LIMIT {{limit:UInt32}} OFFSET {{offset:UInt32}}
"""
COUNT_OF_LEARNER = f"""
SELECT count() AS total FROM {LEARNING_STATEMENTS} FINAL WHERE learner_id = {{learner_id:UUID}}
"""


async def learner_statements(
    analytics: AnalyticsStore, learner_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the learner's statements as xAPI JSON, newest first, and how many there are."""
    parameters = {"learner_id": learner_id, "limit": limit, "offset": offset}
    rows = await analytics.query(STATEMENTS_OF_LEARNER, parameters)
    [count] = await analytics.query(COUNT_OF_LEARNER, {"learner_id": learner_id})
    return [as_xapi(row) for row in rows], int(count["total"])


async def all_learner_statements(
    analytics: AnalyticsStore, learner_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every statement about the learner (the GDPR export), newest first."""
    [count] = await analytics.query(COUNT_OF_LEARNER, {"learner_id": learner_id})
    page, everything = 10_000, []
    for offset in range(0, int(count["total"]), page):
        statements, _ = await learner_statements(analytics, learner_id, limit=page, offset=offset)
        everything.extend(statements)
    return everything


def _iso_timestamp(clickhouse_utc: str) -> str:
    return clickhouse_utc.replace(" ", "T") + "Z"


def _result(row: Row) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if row["success"] is not None:
        result["success"] = row["success"]
    if row["score_raw"] is not None:
        score = {"raw": row["score_raw"]}
        if row["score_max"]:
            score |= {
                "max": row["score_max"],
                "min": 0,
                "scaled": row["score_raw"] / row["score_max"],
            }
        result["score"] = score
    if row["duration_ms"] is not None:
        result["duration"] = f"PT{row['duration_ms'] / 1000:.3f}S"
    return result


def as_xapi(row: Row) -> dict[str, Any]:
    """A stored statement as an xAPI 1.0.3 statement (the learner is an account of the platform)."""
    object_type = row["object_type"]
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES.get(object_type, object_type)}
    if row["object_name"]:
        definition["name"] = {"en-US": row["object_name"]}
    statement: dict[str, Any] = {
        "id": row["statement_id"],
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": HOME_PAGE, "name": row["learner_id"]},
        },
        "verb": {"id": VERBS[row["verb"]], "display": {"en-US": row["verb"]}},
        "object": {
            "objectType": "Activity",
            "id": f"{HOME_PAGE}:{object_type}:{row['object_id']}",
            "definition": definition,
        },
        "context": {
            "extensions": {
                f"{HOME_PAGE}:{name}": row[name] for name in _CONTEXT_IDS if row[name] is not None
            }
        },
        "timestamp": _iso_timestamp(row["timestamp"]),
    }
    if result := _result(row):
        statement["result"] = result
    return statement
