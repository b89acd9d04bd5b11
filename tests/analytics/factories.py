"""Tutor events as the tutor would publish them, with overridable fields."""

import uuid
from datetime import UTC, datetime
from typing import Any

from platform_api.analytics.capture import FeedbackGiven, TurnCompleted

OCCURRED_AT = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)


def make_turn(**overrides: Any) -> TurnCompleted:
    values: dict[str, Any] = {
        "turn_id": uuid.uuid4(),
        "session_id": uuid.uuid4(),
        "learner_id": uuid.uuid4(),
        "course_id": uuid.uuid4(),
        "occurred_at": OCCURRED_AT,
        "question": "What does p = 0.05 mean when n = 100?",
        "answer": "Were the null hypothesis true, results this extreme occur 5% of the time.",
        "intent": "explain",
        "mode": "socratic",
        "refused": False,
        "retrieved_chunk_ids": [uuid.uuid4(), uuid.uuid4()],
        "cited_lesson_ids": [uuid.uuid4()],
        "latency_ms": 812.5,
        "ttft_ms": 95.25,
        "prompt_tokens": 1450,
        "completion_tokens": 212,
        "model": "smollm2-135m-instruct",
        **overrides,
    }
    return TurnCompleted(**values)


def make_feedback(turn: TurnCompleted, **overrides: Any) -> FeedbackGiven:
    values: dict[str, Any] = {
        "feedback_id": uuid.uuid4(),
        "turn_id": turn.turn_id,
        "learner_id": turn.learner_id,
        "rating": "down",
        "comment": "Too long.",
        "occurred_at": OCCURRED_AT,
        **overrides,
    }
    return FeedbackGiven(**values)
