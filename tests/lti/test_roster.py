"""Names and Role Provisioning: the class follows the platform's membership list, at an
instructor's launch and on request (API and ``wc lti sync-roster``)."""

import asyncio
import json
import uuid

from sqlalchemy import select
from typer.testing import CliRunner

from platform_api.cli import app as wc
from platform_api.lti.models import LtiIdentity
from tests.assessments.factory import account
from tests.lti.conftest import World
from tests.lti.flows import class_of, launch, learner, new_context, students_of, teacher
from tests.lti.platform import Launch, Person


async def _user_ids(world: World, *people: Person) -> set[uuid.UUID]:
    subjects = [person.subject for person in people]
    async with world.api.stores.database.session() as session:
        rows = await session.scalars(
            select(LtiIdentity.user_id).where(
                LtiIdentity.issuer == world.platform.url, LtiIdentity.subject.in_(subjects)
            )
        )
        return set(rows)


async def test_roster_sync_adds_and_removes_members(world: World) -> None:
    api, context = world.api, new_context()
    instructor, a, b, c = teacher(), learner(), learner(), learner()
    world.platform.memberships[context] = [instructor, a, b]
    opened = await launch(world, Launch(instructor, context))
    school_class = await class_of(api, context)
    assert await students_of(api, school_class.id) == await _user_ids(world, a, b)

    by_hand = await account(api, "student")  # enrolled here, unknown to the platform: stays
    enrolled = await api.client.post(
        f"/api/v1/classes/{school_class.id}/students",
        headers=opened.account("teacher").headers,
        json={"student_email": by_hand.email},
    )
    assert enrolled.status_code == 200, enrolled.text
    world.platform.memberships[context] = [instructor, a, c]
    path = f"/api/v1/lti/classes/{school_class.id}/roster-sync"
    synced = await api.client.post(path, headers=opened.account("teacher").headers)
    assert synced.status_code == 200, synced.text
    assert synced.json() == {
        "class_id": str(school_class.id),
        "members": 2,
        "added": 1,
        "removed": 1,
    }
    expected = await _user_ids(world, a, c) | {by_hand.id}
    assert await students_of(api, school_class.id) == expected

    stranger = await account(api, "teacher")
    assert (await api.client.post(path, headers=stranger.headers)).status_code == 403

    # From the command line, with the app's data dir (and so its tool key).
    world.platform.memberships[context] = [instructor, c]
    environment = {
        "WC_DATABASE_URL": api.settings.database_url,
        "WC_DATA_DIR": str(api.settings.data_dir),
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, wc, ["lti", "sync-roster", str(school_class.id)], env=environment
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["removed"] == 1
    expected = await _user_ids(world, c) | {by_hand.id}
    assert await students_of(api, school_class.id) == expected


async def test_a_class_without_an_lms_course_has_no_roster_to_sync(world: World) -> None:
    teacher_account = await account(world.api, "teacher")
    made = await world.api.client.post(
        "/api/v1/classes", headers=teacher_account.headers, json={"name": "Offline"}
    )
    synced = await world.api.client.post(
        f"/api/v1/lti/classes/{made.json()['id']}/roster-sync", headers=teacher_account.headers
    )
    assert synced.status_code == 404
    assert synced.json()["error"]["code"] == "not_found"
