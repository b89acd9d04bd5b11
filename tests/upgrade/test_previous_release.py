"""Upgrading: a database made by the previous release (a fixture, see
tests/fixtures/releases/README.md) migrates to this release's head and reads back through the
API. Personal columns are read through the API only: later migrations may seal them."""

import asyncio
import gzip
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

from core.infra.pg_connect import connect
from platform_api.auth.models import Role
from platform_api.auth.tokens import issue_access_token
from platform_api.backup.database import libpq_url, tool
from platform_api.schema import upgrade_schema
from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.postgres import create_empty_database

RELEASES = Path(__file__).resolve().parents[1] / "fixtures" / "releases"
PREVIOUS = "release-dc406da"
PREVIOUS_HEAD = "0021"


def _load(url: str, dump: Path) -> None:
    subprocess.run(
        [tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={libpq_url(url)}"],
        input=gzip.decompress(dump.read_bytes()),
        check=True,
        capture_output=True,
    )


async def _revision(url: str) -> str:
    connection = await connect(url)
    try:
        return str(await connection.fetchval("SELECT version_num FROM alembic_version"))
    finally:
        await connection.close()


def _bearer(api: Api, user_id: str, role: Role) -> dict[str, str]:
    """A token for a seeded account without a password (made by the release's factories)."""
    settings = api.settings
    key = api.stores.signing_key
    token = issue_access_token(key, settings.jwt_issuer, uuid.UUID(user_id), role, 600)
    return {"Authorization": f"Bearer {token}"}


async def _ok(api: Api, path: str, headers: dict[str, str]) -> Any:
    answer = await api.client.get(path, headers=headers)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


async def test_the_previous_release_database_migrates_and_reads_back(
    postgres_server_url: str, tmp_path: Path
) -> None:
    made = json.loads((RELEASES / f"{PREVIOUS}.json").read_text())
    url = await create_empty_database(postgres_server_url)
    await asyncio.to_thread(_load, url, RELEASES / f"{PREVIOUS}.sql.gz")
    assert await _revision(url) == PREVIOUS_HEAD
    await asyncio.to_thread(upgrade_schema, url)  # what `wc run` does at start
    assert await _revision(url) != PREVIOUS_HEAD

    async for api in running_api(make_settings(url, tmp_path)):
        admin = made["admin"]
        signed_in = await api.login(admin["email"], made["password"])
        assert signed_in.status_code == 200, signed_in.text
        admin_headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        me = await _ok(api, "/api/v1/users/me", admin_headers)
        assert (me["id"], me["email"], me["display_name"]) == (
            admin["id"],
            admin["email"],
            admin["display_name"],
        )
        child = await api.login(made["child"]["email"], made["password"])
        assert child.status_code != 401, "the migrated e-mail must still find the account"

        teacher = _bearer(api, made["teacher"]["id"], Role.TEACHER)
        learner = _bearer(api, made["learner"]["id"], Role.STUDENT)
        school_class = await _ok(api, f"/api/v1/classes/{made['class_id']}", teacher)
        assert school_class["id"] == made["class_id"]
        course = await _ok(api, f"/api/v1/curricula/courses/{made['course_id']}", teacher)
        assert made["lesson_id"] in json.dumps(course)
        sitting = await _ok(api, f"/api/v1/sittings/{made['sitting_id']}", learner)
        assert sitting["status"] == "graded"
        notifications = await _ok(api, "/api/v1/notifications", learner)
        assert "Your grade: 2 of 6 points." in json.dumps(notifications)
        hooks = await _ok(api, "/api/v1/webhooks/subscriptions", admin_headers)
        assert [hook["id"] for hook in hooks] == [made["webhook_subscription_id"]]
        audit = await _ok(api, "/api/v1/audit/events", admin_headers)
        assert audit["total"] == 0  # a new table, empty after the upgrade
