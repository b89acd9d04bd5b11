"""The audit log: admin actions, role changes and grade overrides are recorded with the action
itself, only administrators read them, and nobody can rewrite them."""

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from platform_api.assessments.models import SittingStatus
from platform_api.auth.admin import set_role
from platform_api.auth.models import Role
from platform_api.proctor.audit import BiometricData, record_view
from tests.fixtures.app import Api
from tests.grading.conftest import world_of
from tests.grading.factories import MULTIPLE_CHOICE, Answer, submitted_sitting, wait_for_sitting
from tests.lti.flows import MOODLE

PATH = "/api/v1/audit/events"


async def _events(api: Api, headers: dict[str, str], **query: Any) -> dict[str, Any]:
    answer = await api.client.get(PATH, params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_admin_actions_role_changes_and_grade_overrides_are_logged(api: Api) -> None:
    admin = await api.account("admin")
    world = await world_of(api)
    async with api.stores.database.session() as session:  # what `wc users set-role` calls
        await set_role(session, world.teacher.email, Role.PROCTOR)
    made = await api.client.post("/api/v1/lti/registrations", json=MOODLE, headers=admin.headers)
    assert made.status_code == 201, made.text
    record = await submitted_sitting(
        api.stores.database, world.room, [Answer(MULTIPLE_CHOICE, "a")]
    )
    await wait_for_sitting(api.stores.database, record.sitting_id, {SittingStatus.GRADED})
    # The teacher's token still says teacher: the role change shows in new tokens only.
    overridden = await api.client.post(
        f"/api/v1/responses/{record.responses[0]}/grade",
        json={"points": 1, "reason": "Fair point: the data are symmetric."},
        headers=world.teacher.headers,
    )
    assert overridden.status_code == 200, overridden.text

    async with api.stores.database.session() as session:  # what the keyframe route calls
        record_view(session, world.learner.id, world.learner.id, BiometricData.ENROLMENT_PHOTO)
        record_view(
            session,
            world.teacher.id,
            world.learner.id,
            BiometricData.EVIDENCE_KEYFRAME,
            sitting_id=record.sitting_id,
            viewer_role="teacher",
        )
        await session.commit()

    page = await _events(api, admin.headers)
    assert [event["action"] for event in page["items"]] == [
        "evidence.viewed",  # the teacher's view; the learner's own photo is not audited
        "grade.overridden",
        "lti.registration_created",
        "account.role_changed",
        "account.admin_granted",
    ]
    evidence, grade, lti, role, granted = page["items"]
    assert (evidence["actor_id"], evidence["target_type"]) == (str(world.teacher.id), "sitting")
    assert evidence["details"] == {"subject_id": str(world.learner.id), "what": "evidence_keyframe"}
    assert (grade["actor_id"], grade["actor_role"]) == (str(world.teacher.id), "teacher")
    assert grade["target_id"] == str(record.responses[0])
    assert grade["details"]["from"] == 0 and grade["details"]["to"] == 1
    assert (lti["actor_id"], lti["target_id"]) == (str(admin.id), made.json()["id"])
    assert role["actor_id"] is None and role["actor_role"] == "operator"
    assert role["details"] == {"from": "teacher", "to": "proctor"}
    assert granted["target_id"] == str(admin.id) and granted["details"]["from"] is None
    assert page["total"] == 5
    assert world.teacher.email not in str(page), "no personal data in the log"

    filtered = await _events(api, admin.headers, action="account.role_changed")
    assert [event["id"] for event in filtered["items"]] == [role["id"]]
    by_target = await _events(
        api, admin.headers, target_type="response", target_id=grade["target_id"]
    )
    assert [event["id"] for event in by_target["items"]] == [grade["id"]]
    second = await _events(api, admin.headers, limit=1, offset=2)
    assert [event["id"] for event in second["items"]] == [lti["id"]] and second["total"] == 5
    later = await _events(api, admin.headers, since=grade["occurred_at"])
    assert grade["id"] in [event["id"] for event in later["items"]]
    assert (await _events(api, admin.headers, actor_id=str(uuid.uuid4())))["total"] == 0

    assert (await api.client.get(PATH)).status_code == 401
    for account in (world.teacher, world.learner):
        refused = await api.client.get(PATH, headers=account.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    naive = await api.client.get(PATH, params={"since": "2026-01-01T00:00"}, headers=admin.headers)
    assert naive.status_code == 422  # an instant needs its time zone


async def test_the_log_is_append_only(api: Api) -> None:
    await api.account("admin")
    statements = ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events")
    async with api.stores.database.session() as session:
        for statement in (*statements, "TRUNCATE audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with session.begin_nested():
                    await session.execute(text(statement))
        count = await session.scalar(text("SELECT count(*) FROM audit_events"))
    assert count == 1
