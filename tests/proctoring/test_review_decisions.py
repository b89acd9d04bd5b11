"""Review decisions and appeals through the API: versions that never change, a stale version
refused, the appeal's rules (the learner, once, against suspicious or violation, in time), the
second review by another reviewer, one ``proctor.reviewed`` event per decision, the learner told,
and when a sitting's review is settled (for the evidence purge)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.infra.database import utcnow
from platform_api.notifications.models import Notification
from platform_api.proctor.review.events import PROCTOR_REVIEWED
from platform_api.proctor.review.state import settled_decisions
from tests.assessments.factory import account, events_of, set_clock, start
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import (
    ProctoredExam,
    decide,
    ended_sitting,
    proctored_exam,
    report,
)


async def appeal(api: Api, learner: Account, sitting_id: str, reason: str = "I was alone.") -> Any:
    return await api.client.post(
        f"/api/v1/proctor/sittings/{sitting_id}/appeal",
        headers=learner.headers,
        json={"reason": reason},
    )


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def reviewed_events(api: Api, sitting_id: str) -> list[dict[str, Any]]:
    return [e for e in await events_of(api, PROCTOR_REVIEWED) if e["sitting_id"] == sitting_id]


async def review_notices(api: Api, learner: Account) -> int:
    async with api.stores.database.session() as session:
        query = select(Notification.id).where(
            Notification.recipient_id == learner.id, Notification.kind == PROCTOR_REVIEWED
        )
        return len(list(await session.scalars(query)))


async def _one_learner_exam(api: Api) -> tuple[ProctoredExam, Account, str]:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    sitting = await ended_sitting(api, proctored, learner)
    return proctored, learner, sitting["id"]


async def test_each_decision_is_a_new_version_and_a_stale_one_is_refused(
    review_api: Api,
) -> None:
    api = review_api
    proctored, learner, sitting_id = await _one_learner_exam(api)
    teacher = proctored.room.teacher

    first = await decide(api, teacher, sitting_id, "suspicious", expected_version=0)
    assert first.status_code == 201, first.text
    assert first.json() | {"decided_at": None} == {
        "version": 1,
        "stage": "review",
        "decision": "suspicious",
        "note": "suspicious.",
        "reviewer_id": str(teacher.id),
        "decided_at": None,
        "supersedes": None,
    }
    stale = await decide(api, teacher, sitting_id, "clean", expected_version=0)
    assert error_of(stale) == (409, "stale_review_version")
    assert stale.json()["error"]["details"] == {"latest_version": 1}
    second = await decide(api, teacher, sitting_id, "clean", expected_version=1)
    assert (second.status_code, second.json()["supersedes"]) == (201, 1)

    history = (await report(api, learner, sitting_id)).json()["decisions"]
    assert [(d["version"], d["decision"]) for d in history] == [(1, "suspicious"), (2, "clean")]
    events = await reviewed_events(api, sitting_id)
    assert [(e["version"], e["decision"], e["stage"]) for e in events] == [
        (1, "suspicious", "review"),
        (2, "clean", "review"),
    ]
    assert {(e["learner_id"], e["assignment_id"], e["reviewer_id"]) for e in events} == {
        (str(learner.id), proctored.id, str(teacher.id))
    }
    assert await review_notices(api, learner) == 2


async def test_only_reviewers_of_the_class_decide_and_only_on_ended_sittings(
    review_api: Api,
) -> None:
    api = review_api
    proctored = await proctored_exam(api, learners=2)
    first, second = proctored.room.learners
    sitting_id = (await ended_sitting(api, proctored, first))["id"]
    other_teacher = (await proctored_exam(api)).room.teacher
    for stranger, status in [
        (other_teacher, 404),
        (second, 403),
        (first, 403),
        (await account(api, "parent"), 403),
        (await account(api, "content_editor"), 403),
    ]:
        refused = await decide(api, stranger, sitting_id, "violation", expected_version=0)
        assert refused.status_code == status, (stranger.role, refused.text)
    assert await reviewed_events(api, sitting_id) == []

    admin, proctor = await account(api, "admin"), await account(api, "proctor")
    assert (await decide(api, proctor, sitting_id, "clean", 0)).status_code == 201
    assert (await decide(api, admin, sitting_id, "clean", 1)).status_code == 201
    still_open = (await start(api, second, proctored.id))["id"]
    in_progress = await decide(api, proctor, still_open, "clean", 0)
    assert error_of(in_progress) == (409, "sitting_in_progress")


async def test_the_learner_appeals_a_suspicious_or_violation_decision_once_in_time(
    review_api: Api,
) -> None:
    api = review_api
    proctored, learner, sitting_id = await _one_learner_exam(api)
    teacher = proctored.room.teacher
    assert error_of(await appeal(api, learner, sitting_id)) == (409, "nothing_to_appeal")
    await decide(api, teacher, sitting_id, "clean", 0)
    assert error_of(await appeal(api, learner, sitting_id)) == (409, "appeal_not_allowed")
    violation = await decide(api, teacher, sitting_id, "violation", 1)
    decided_at = datetime.fromisoformat(violation.json()["decided_at"])

    other_learner = (await proctored_exam(api)).room.learners[0]
    assert (await appeal(api, other_learner, sitting_id)).status_code == 404
    assert (await appeal(api, teacher, sitting_id)).status_code == 403
    window = timedelta(days=api.settings.proctor_appeal_window_days)
    set_clock(api, decided_at + window + timedelta(seconds=1))
    try:
        late = await appeal(api, learner, sitting_id)
    finally:
        set_clock(api, None)
    assert error_of(late) == (409, "appeal_window_closed")

    filed = await appeal(api, learner, sitting_id, "My cat walked over the keyboard.")
    assert filed.status_code == 201, filed.text
    assert filed.json()["appealed_version"] == 2 and filed.json()["status"] == "open"
    assert error_of(await appeal(api, learner, sitting_id)) == (409, "appeal_exists")
    assert (await report(api, learner, sitting_id)).json()["appeal"]["status"] == "open"

    queue = await api.client.get(
        "/api/v1/proctor/reviews", headers=teacher.headers, params={"state": "appealed"}
    )
    [entry] = queue.json()["items"]
    assert (entry["sitting_id"], entry["appeal_status"]) == (sitting_id, "open")
    assert entry["learner_name"] == "A student"  # who the reviewer is judging
    assert uuid.UUID(sitting_id) not in await _settled(api), "under appeal"


async def _settled(api: Api) -> dict[uuid.UUID, datetime]:
    """When each settled sitting's final decision was made."""
    async with api.stores.database.session() as session:
        return dict((await session.execute(settled_decisions())).tuples().all())


async def test_the_second_review_is_by_another_reviewer_and_settles_the_sitting(
    review_api: Api,
) -> None:
    api = review_api
    proctored, learner, sitting_id = await _one_learner_exam(api)
    teacher = proctored.room.teacher
    await decide(api, teacher, sitting_id, "violation", 0)
    assert (await appeal(api, learner, sitting_id)).status_code == 201

    same = await decide(api, teacher, sitting_id, "violation", 1)
    assert error_of(same) == (403, "second_reviewer_required")
    proctor = await account(api, "proctor")
    second = await decide(api, proctor, sitting_id, "clean", 1)
    assert second.status_code == 201, second.text
    assert (second.json()["stage"], second.json()["version"]) == ("appeal_review", 2)

    shown = (await report(api, learner, sitting_id)).json()
    assert shown["appeal"] | {"id": None, "filed_at": None, "decided_at": None} == {
        "id": None,
        "appealed_version": 1,
        "reason": "I was alone.",
        "filed_at": None,
        "status": "decided",
        "decided_at": None,
        "answered_by_version": 2,
    }
    assert error_of(await appeal(api, learner, sitting_id)) == (409, "appeal_exists")
    events = await reviewed_events(api, sitting_id)
    assert [(e["version"], e["stage"], e["reviewer_id"]) for e in events] == [
        (1, "review", str(teacher.id)),
        (2, "appeal_review", str(proctor.id)),
    ]
    decided = await api.client.get(
        "/api/v1/proctor/reviews", headers=teacher.headers, params={"state": "decided"}
    )
    [entry] = decided.json()["items"]
    assert entry["latest_decision"]["version"] == 2 and entry["appeal_status"] == "decided"

    decided_at = datetime.fromisoformat(second.json()["decided_at"])
    assert (await _settled(api))[uuid.UUID(sitting_id)] == decided_at
    assert utcnow() >= decided_at
