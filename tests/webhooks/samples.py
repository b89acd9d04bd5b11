"""One valid outbox payload of every subscribable event type, about one course."""

import uuid
from datetime import UTC, datetime
from typing import Any

from platform_api.webhooks.catalogue import SUBSCRIBABLE

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC).isoformat()


def sample_payloads(course_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    """Payloads as their producers write them (internal fields included, where they have some)."""
    ids = {name: str(uuid.uuid4()) for name in ("sitting", "assignment", "learner", "class")}
    course = str(course_id)
    graded = {
        "sitting_id": ids["sitting"],
        "assignment_id": ids["assignment"],
        "assignment_title": "Forces test",
        "learner_id": ids["learner"],
        "course_id": course,
        "class_id": ids["class"],
        "score": 3.0,
        "max_score": 4.0,
        "graded_at": NOW,
    }
    decided = {
        "model": "tutor",
        "candidate_version": "3",
        "champion_version": "2",
        "decision": "promoted",
        "reason": "better on the tutor suite",
        "regressing_suites": [],
        "mlflow_run_id": "abc123",
        "figures": {"tutor.accuracy.candidate": 0.61},
    }
    payloads: dict[str, dict[str, Any]] = {
        "assessment.graded": graded,
        "assessment.sitting_submitted": {
            **{key: graded[key] for key in ("sitting_id", "assignment_id", "learner_id")},
            "course_id": course,
            "submitted_at": NOW,
            "auto_submitted": False,
        },
        "lesson.completed": {
            "learner_id": ids["learner"],
            "lesson_id": str(uuid.uuid4()),
            "course_id": course,
            "lesson_title": "Friction",
            "occurred_at": NOW,
        },
        "badge.awarded": {
            "learner_id": ids["learner"],
            "badge": "streak_7",
            "title": "A week in a row",
            "awarded_at": NOW,
        },
        "content.job.finished": {
            "job_id": str(uuid.uuid4()),
            "course_id": course,
            "status": "finished",
            "total": 2,
            "topics_by_status": {"done": 2},
            "webhook_url": "http://127.0.0.1:9/the-jobs-own-hook",
        },
        "proctor.reviewed": {
            "sitting_id": ids["sitting"],
            "learner_id": ids["learner"],
            "assignment_id": ids["assignment"],
            "decision": "clean",
            "version": 1,
            "stage": "review",
            "reviewer_id": str(uuid.uuid4()),
            "decided_at": NOW,
            "course_id": course,
        },
        "model.promoted": decided,
        "model.rejected": {**decided, "decision": "rejected"},
        "model.rolled_back": {
            "model": "tutor",
            "from_version": "3",
            "to_version": "2",
            "reason": "complaints",
            "mlflow_run_id": "def456",
        },
        "user.erased": {
            "user_id": ids["learner"],
            "biometrics": {"object_prefixes": [], "hosted_sessions": []},
        },
    }
    assert sorted(payloads) == SUBSCRIBABLE, "a new event type needs a sample here"
    return payloads
