"""The ClickHouse queries behind progress pages and the class dashboard, one constant each.

``bench/learning.py`` runs these very constants, through the store and bare in chDB. Every query
reads a known set of learners (``learner_id`` leads the sorting key). A regraded answer is one
statement with several revisions: the queries over answers group by statement id and keep the
latest revision's result (``argMax``), which measured 5x faster than ``FINAL`` for a class (2M
statements: 83 ms against 437 ms); what they filter on (course, time) never changes between
revisions, so filtering before the grouping is safe.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import LEARNING_STATEMENTS

# Points of the week: what each learner's graded answers in the class's courses earned.
LEADERBOARD_POINTS = f"""
SELECT learner_id, sum(latest_points) AS points, count() AS answers
FROM (
    SELECT learner_id, statement_id, argMax(score_raw, revision) AS latest_points
    FROM {LEARNING_STATEMENTS}
    WHERE learner_id IN {{learners:Array(UUID)}}
      AND verb = 'answered'
      AND course_id IN {{courses:Array(UUID)}}
      AND timestamp >= {{start:DateTime64(3, 'UTC')}} AND timestamp < {{end:DateTime64(3, 'UTC')}}
    GROUP BY learner_id, statement_id
)
GROUP BY learner_id
"""

# The lessons each learner completed, per course (any number of completions counts once).
COMPLETED_LESSONS = f"""
SELECT learner_id, course_id, groupUniqArray(object_id) AS lessons
FROM {LEARNING_STATEMENTS}
WHERE learner_id IN {{learners:Array(UUID)}}
  AND verb = 'completed' AND object_type = 'lesson'
  AND course_id IS NOT NULL
GROUP BY learner_id, course_id
"""

# The answers behind the mastery grid: per objective × learner, answered and correct.
OBJECTIVE_ANSWERS = f"""
SELECT objective AS objective_id, learner_id, count() AS answers, countIf(latest) AS correct
FROM (
    SELECT learner_id, statement_id, any(objective_id) AS objective,
           argMax(success, revision) AS latest
    FROM {LEARNING_STATEMENTS}
    WHERE learner_id IN {{learners:Array(UUID)}}
      AND verb = 'answered'
      AND course_id IN {{courses:Array(UUID)}}
      AND objective_id IS NOT NULL
    GROUP BY learner_id, statement_id
)
GROUP BY objective, learner_id
"""

MOST_WRONG_ITEMS = f"""
SELECT item_id, countIf(latest = false) AS wrong, count() AS answers
FROM (
    SELECT learner_id, statement_id, any(object_id) AS item_id,
           argMax(success, revision) AS latest
    FROM {LEARNING_STATEMENTS}
    WHERE learner_id IN {{learners:Array(UUID)}}
      AND verb = 'answered'
      AND course_id IN {{courses:Array(UUID)}}
    GROUP BY learner_id, statement_id
)
GROUP BY item_id
HAVING wrong > 0
ORDER BY wrong DESC, item_id
LIMIT {{limit:UInt32}}
"""

# When each learner last did something (a badge is not something they did).
LAST_ACTIVE = f"""
SELECT learner_id, max(timestamp) AS last_active_at
FROM {LEARNING_STATEMENTS}
WHERE learner_id IN {{learners:Array(UUID)}} AND verb != 'earned'
GROUP BY learner_id
"""


async def _query(
    analytics: AnalyticsStore, sql: str, learners: Sequence[uuid.UUID], **parameters: Any
) -> list[dict[str, Any]]:
    # ClickHouse cannot type an empty array parameter, and nobody's rows is no rows anyway.
    if not learners or parameters.get("courses") == []:
        return []
    return await analytics.query(sql, {"learners": list(learners), **parameters})


async def leaderboard_points(
    analytics: AnalyticsStore,
    learners: Sequence[uuid.UUID],
    courses: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> dict[uuid.UUID, float]:
    rows = await _query(
        analytics, LEADERBOARD_POINTS, learners, courses=list(courses), start=start, end=end
    )
    return {uuid.UUID(row["learner_id"]): float(row["points"] or 0.0) for row in rows}


async def completed_lessons(
    analytics: AnalyticsStore, learners: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], set[uuid.UUID]]:
    """(learner, course) → the lessons completed."""
    rows = await _query(analytics, COMPLETED_LESSONS, learners)
    return {
        (uuid.UUID(row["learner_id"]), uuid.UUID(row["course_id"])): {
            uuid.UUID(lesson) for lesson in row["lessons"]
        }
        for row in rows
    }


async def objective_answers(
    analytics: AnalyticsStore, learners: Sequence[uuid.UUID], courses: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[int, int]]:
    """(objective, learner) → (answers, correct)."""
    rows = await _query(analytics, OBJECTIVE_ANSWERS, learners, courses=list(courses))
    return {
        (uuid.UUID(row["objective_id"]), uuid.UUID(row["learner_id"])): (
            int(row["answers"]),
            int(row["correct"]),
        )
        for row in rows
    }


async def most_wrong_items(
    analytics: AnalyticsStore,
    learners: Sequence[uuid.UUID],
    courses: Sequence[uuid.UUID],
    limit: int,
) -> list[tuple[uuid.UUID, int, int]]:
    """(item, wrong answers, answers), the most wrong first."""
    rows = await _query(analytics, MOST_WRONG_ITEMS, learners, courses=list(courses), limit=limit)
    return [(uuid.UUID(row["item_id"]), int(row["wrong"]), int(row["answers"])) for row in rows]


async def last_active(
    analytics: AnalyticsStore, learners: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """learner → when they last did something (ClickHouse UTC text)."""
    rows = await _query(analytics, LAST_ACTIVE, learners)
    return {uuid.UUID(row["learner_id"]): row["last_active_at"] for row in rows}
