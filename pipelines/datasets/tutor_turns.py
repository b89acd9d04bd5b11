"""Tutor turns that learners liked, read from ClickHouse and turned into examples.

A turn qualifies when its learner rated it up and nobody rated it down, it was answered (not
refused: intent ``unsafe``, the moderation screen's flag, or ``exam_in_progress``), it is a
question the model itself answered (intent ``content_question`` or ``homework_help``; an
``off_topic`` turn gets the tutor's fixed "not covered" reply, decided by retrieval, not written
by the model), it has no flag in PostgreSQL's ``tutor_flags`` (when given), and the leak check
passes on its answer (``leaks``). Redelivered events are collapsed with ``FINAL``; pages are read
in ``turn_id`` order so that memory stays bounded.
"""

import re
from collections import Counter
from collections.abc import AsyncIterator, Collection, Mapping
from datetime import datetime
from typing import Any

from agents.tutor import policy
from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import TUTOR_FEEDBACK, TUTOR_TURNS
from pipelines.datasets.collected import Collected
from pipelines.datasets.config import Source
from pipelines.datasets.leaks import ExerciseLeaks, names_written_option, withdrawn
from pipelines.datasets.prompts import tutor_system_message
from pipelines.datasets.rows import DatasetRow, chat_row

ANSWERED_INTENTS = ("content_question", "homework_help")
REFUSED_INTENTS = ("unsafe", "exam_in_progress")
FLAGGED_INTENT = "unsafe"  # the moderation screen flagged the message (the teacher is told)
NIL_UUID = "00000000-0000-0000-0000-000000000000"
_SOURCES_LINE = re.compile(r"\n*Sources:[^\n]*\s*\Z")
_MARKER = re.compile(r"\s?\[\d{1,2}\]")

# One feedback event per (turn, feedback id) after FINAL; a turn counts as liked when some
# rating is "up" and none is "down" (a learner who changed their mind does not count).
LIKED_TURNS = f"""
SELECT turn_id FROM {TUTOR_FEEDBACK} FINAL
GROUP BY turn_id
HAVING countIf(rating = 'up') > 0 AND countIf(rating = 'down') = 0
"""

SELECTED_COLUMNS = "turn_id, learner_id, course_id, question, answer, mode"
# Parameters: ``since`` and ``answered`` (ANSWERED_INTENTS).
SELECTION = f"""
FROM {TUTOR_TURNS} FINAL
WHERE occurred_at >= {{since:DateTime64(3, 'UTC')}}
  AND NOT refused
  AND intent IN {{answered:Array(String)}}
  AND turn_id IN ({LIKED_TURNS})
"""
SELECTED_TURNS = f"""
SELECT {SELECTED_COLUMNS} {SELECTION}
  AND turn_id > {{after:UUID}}
ORDER BY turn_id
LIMIT {{page:UInt32}}
"""

# Every turn since ``since`` is counted once, under the first reason that excludes it. (The
# aliases differ from the column names: ClickHouse would read ``refused`` as the alias.)
EXCLUDED_TURNS = f"""
SELECT
    countIf(intent = '{FLAGGED_INTENT}') AS excluded_flagged,
    countIf(intent != '{FLAGGED_INTENT}' AND (refused OR intent IN {{refused:Array(String)}}))
        AS excluded_refused,
    countIf(NOT refused AND intent NOT IN {{refused:Array(String)}}
            AND intent NOT IN {{answered:Array(String)}}) AS excluded_not_answered_by_model,
    countIf(NOT refused AND intent IN {{answered:Array(String)}}
            AND turn_id NOT IN ({LIKED_TURNS})) AS excluded_no_positive_feedback
FROM {TUTOR_TURNS} FINAL
WHERE occurred_at >= {{since:DateTime64(3, 'UTC')}}
"""


async def selected_turns(
    analytics: AnalyticsStore, since: datetime, page_rows: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The liked, answered turns since ``since``, a page at a time."""
    after = NIL_UUID
    while True:
        page = await analytics.query(
            SELECTED_TURNS,
            {"since": since, "answered": list(ANSWERED_INTENTS), "after": after, "page": page_rows},
        )
        if not page:
            return
        yield page
        if len(page) < page_rows:
            return
        after = page[-1]["turn_id"]


async def excluded_counts(analytics: AnalyticsStore, since: datetime) -> Counter[str]:
    [counts] = await analytics.query(
        EXCLUDED_TURNS,
        {"since": since, "answered": list(ANSWERED_INTENTS), "refused": list(REFUSED_INTENTS)},
    )
    return Counter(
        {name.removeprefix("excluded_"): int(count) for name, count in counts.items() if count}
    )


class TurnFilter:
    """The checks ClickHouse cannot run: PostgreSQL's flags and the leak re-check."""

    def __init__(self, flagged: Collection[str], exercises: ExerciseLeaks | None) -> None:
        self.flagged = flagged
        self.exercises = exercises

    def checks(self) -> list[str]:
        done = ["leak:withdrawn", "leak:written_options"]
        return done + (["leak:stored_exercises", "flags:postgres"] if self.exercises else [])

    def reason_to_drop(self, turn: Mapping[str, Any]) -> str | None:
        if turn["turn_id"] in self.flagged:
            return "flagged"
        if turn["mode"] not in (policy.TutorMode.SOCRATIC, policy.TutorMode.EXPLAIN):
            return "unknown_mode"
        if turn["question"].strip() == policy.WITHHELD:
            return "pii_only"
        if turn["mode"] == policy.TutorMode.SOCRATIC and self._leaks(turn):
            return "leak"
        return None

    def _leaks(self, turn: Mapping[str, Any]) -> bool:
        question, answer = turn["question"], answer_text(turn["answer"])
        return (
            withdrawn(answer)
            or names_written_option(question, answer)
            or (
                self.exercises is not None
                and self.exercises.leaked(turn["course_id"], question, answer)
            )
        )


def answer_text(captured: str) -> str:
    """The answer without the "Sources: [1] …" line the tutor adds under it."""
    return _SOURCES_LINE.sub("", captured).rstrip()


def turn_row(turn: Mapping[str, Any]) -> DatasetRow:
    """A qualifying turn as an example; its ``[n]`` markers go, since its sources do not come
    with it (see ``prompts``)."""
    answer = _MARKER.sub("", answer_text(turn["answer"])).strip()
    return chat_row(
        Source.TUTOR_TURN,
        group=turn["learner_id"],
        row_id=turn["turn_id"],
        system=tutor_system_message(turn["mode"]),
        user=turn["question"].strip(),
        answer=answer,
    )


async def collect_tutor_turns(
    analytics: AnalyticsStore, since: datetime, turn_filter: TurnFilter, page_rows: int
) -> Collected:
    collected = Collected(dropped=await excluded_counts(analytics, since))
    collected.checks.extend(turn_filter.checks())
    async for page in selected_turns(analytics, since, page_rows):
        for turn in page:
            reason = turn_filter.reason_to_drop(turn)
            if reason is None:
                collected.rows.append(turn_row(turn))
            else:
                collected.dropped[reason] += 1
    return collected
