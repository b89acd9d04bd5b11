"""The tutor's refused requests of a learner during a sitting, read from the analytics store.

Every tutor turn reaches the ``tutor_turns`` table through the outbox (its text already scrubbed
of personal data); a turn refused because an exam was in progress has the intent
``exam_in_progress``. A turn is recorded there a moment after it is answered (the outbox relay
and the capture consumer), so a report read during the sitting may lag by that much.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.encoding import utc_of
from core.infra.analytics.schema import TUTOR_TURNS

EXAM_IN_PROGRESS = "exam_in_progress"

REFUSED_DURING = f"""
SELECT toString(turn_id) AS turn_id, occurred_at, question
FROM {TUTOR_TURNS} FINAL
WHERE learner_id = {{learner_id:UUID}}
  AND course_id = {{course_id:UUID}}
  AND intent = '{EXAM_IN_PROGRESS}'
  AND occurred_at >= {{start:DateTime64(3, 'UTC')}}
  AND occurred_at <= {{end:DateTime64(3, 'UTC')}}
ORDER BY occurred_at, turn_id
LIMIT {{limit:UInt32}}
"""


@dataclass(frozen=True)
class RefusedRequest:
    turn_id: uuid.UUID
    at: datetime
    message: str


async def refused_requests(
    analytics: AnalyticsStore,
    learner_id: uuid.UUID,
    course_id: uuid.UUID,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[RefusedRequest]:
    """The learner's requests the tutor refused for the exam in ``[start, end]``, oldest first,
    at most ``limit``. Raises ``AnalyticsError`` when the store cannot answer."""
    parameters = {
        "learner_id": learner_id,
        "course_id": course_id,
        "start": start,
        "end": end,
        "limit": limit,
    }
    rows = await analytics.query(REFUSED_DURING, parameters)
    return [
        RefusedRequest(uuid.UUID(row["turn_id"]), utc_of(row["occurred_at"]), row["question"])
        for row in rows
    ]
