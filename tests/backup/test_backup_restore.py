"""``wc backup``: a running instance is backed up through its own API (it holds the embedded
analytics store), restored into a fresh data dir and database, and a second instance started on
them reads everything back."""

import asyncio
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from platform_api.backup.manifest import BackupInvalid, read_manifest, verify_checksums
from platform_api.cli import app
from tests.fixtures.app import PASSWORD, Api, make_settings, running_api, served_on_loopback
from tests.fixtures.media import tiny_png
from tests.fixtures.postgres import create_empty_database
from tests.progress.factories import make_course, wait_for_statements


async def _what_a_learner_sees(api: Api, headers: dict[str, str], course_id: uuid.UUID) -> Any:
    course = await api.client.get(f"/api/v1/curricula/courses/{course_id}", headers=headers)
    statements = await api.client.get("/api/v1/me/statements", headers=headers)
    avatar = await api.client.get("/api/v1/users/me/avatar", headers=headers)
    for answer in (course, statements, avatar):
        assert answer.status_code == 200, answer.text
    return course.json(), statements.json(), avatar.content


async def _wc(environment: dict[str, str], database: str, *args: str) -> Result:
    """``wc backup ARGS`` in this process (its start-up costs seconds a test should not), in a
    thread: the instance it backs up answers from this event loop."""
    environment = {**environment, "WC_DATABASE_URL": database}
    return await asyncio.to_thread(CliRunner().invoke, app, ["backup", *args], env=environment)


async def test_a_running_instance_is_backed_up_and_restored_with_nothing_lost(
    postgres_server_url: str, database_url_for_test: str, tmp_path: Path
) -> None:
    source_dir, backup = tmp_path / "source", tmp_path / "backup"
    async for api in running_api(make_settings(database_url_for_test, source_dir)):
        admin = await api.account("admin")
        teacher, learner = await api.account("teacher"), await api.account("student")
        async with api.stores.database.session() as session:
            course = await make_course(session, teacher.id, lessons=2)
        for lesson, event in zip(course.lessons, ("viewed", "completed"), strict=True):
            recorded = await api.client.post(
                f"/api/v1/lessons/{lesson.id}/progress",
                headers=learner.headers,
                json={"event": event},
            )
            assert recorded.status_code == 204, recorded.text
        png = tiny_png()
        uploaded = await api.client.put(
            "/api/v1/users/me/avatar",
            headers=learner.headers,
            files={"file": ("me.png", png, "image/png")},
        )
        assert uploaded.status_code == 200, uploaded.text
        await wait_for_statements(api, learner.id, 3)  # viewed, completed, a badge earned
        before = await _what_a_learner_sees(api, learner.headers, course.course_id)

        async with served_on_loopback(api.app) as base_url:
            environment = {
                "WC_DATA_DIR": str(source_dir),
                "WC_ADMIN_EMAIL": admin.email,
                "WC_ADMIN_PASSWORD": PASSWORD,
            }
            made = await _wc(
                environment, database_url_for_test, "create", str(backup), "--url", base_url
            )
            assert made.exit_code == 0, made.output
    manifest = read_manifest(backup)
    assert manifest.database.row_counts["public.users"] == 3
    assert manifest.analytics["learning_statements"].rows == 3
    assert [entry.content_type for entry in manifest.objects.objects] == ["image/png"]
    assert not (backup / "keys").exists(), "keys are kept apart from backups"

    fresh_dir, fresh_database = tmp_path / "fresh", await create_empty_database(postgres_server_url)
    shutil.copytree(source_dir / "keys", fresh_dir / "keys")  # the operator's copy of the keys
    restored = await _wc({}, fresh_database, "restore", str(backup), "--data-dir", str(fresh_dir))
    assert restored.exit_code == 0, restored.output
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    (damaged / manifest.analytics["learning_statements"].file).write_text(json.dumps({}) + "\n")
    with pytest.raises(BackupInvalid, match="changed since the backup"):
        verify_checksums(damaged, read_manifest(damaged))

    async for again in running_api(make_settings(fresh_database, fresh_dir)):
        signed_in = (await again.login(learner.email)).json()
        headers = {"Authorization": f"Bearer {signed_in['access_token']}"}
        assert await _what_a_learner_sees(again, headers, course.course_id) == before
        assert before[2] == png
        progress = await again.client.get("/api/v1/me/progress", headers=headers)
        assert progress.status_code == 200, progress.text
