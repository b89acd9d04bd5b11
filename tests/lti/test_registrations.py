"""Platform registrations: admins only, validated input, and the ``wc lti`` commands."""

import asyncio
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from platform_api.cli import app as wc
from tests.assessments.factory import account
from tests.lti.conftest import World
from tests.lti.flows import MOODLE, counts, launch, new_context, teacher
from tests.lti.platform import Launch

PATH = "/api/v1/lti/registrations"


def _valid(**changes: Any) -> dict[str, Any]:
    return {**MOODLE, **changes}


INVALID: dict[str, dict[str, Any]] = {
    "ftp jwks": {"jwks_url": "ftp://moodle.district.example/certs"},
    "javascript login": {"auth_login_url": "javascript:alert(1)"},
    "no host": {"access_token_url": "https://"},
    "long url": {"jwks_url": "https://x.example/" + "a" * 2000},
    "long name": {"name": "n" * 201},
    "no deployment": {"deployment_ids": []},
    "blank deployment": {"deployment_ids": ["has space"]},
    "long client id": {"client_id": "c" * 256},
    "unknown field": {"secret": "x"},
}


@pytest.mark.parametrize("case", list(INVALID))
async def test_bad_registrations_are_refused_and_store_nothing(world: World, case: str) -> None:
    before = (await world.api.client.get(PATH, headers=world.admin.headers)).json()
    answer = await world.api.client.post(
        PATH, headers=world.admin.headers, json=_valid(**INVALID[case])
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_error"
    after = (await world.api.client.get(PATH, headers=world.admin.headers)).json()
    assert after == before


async def test_admins_manage_registrations(world: World) -> None:
    api, admin = world.api, world.admin
    teacher_account = await account(api, "teacher")
    assert (await api.client.get(PATH, headers=teacher_account.headers)).status_code == 403
    refused = await api.client.post(PATH, headers=teacher_account.headers, json=_valid())
    assert refused.status_code == 403

    made = await api.client.post(
        PATH, headers=admin.headers, json=_valid(issuer="https://a.example/")
    )
    assert made.status_code == 201, made.text
    row = made.json()
    assert row["issuer"] == "https://a.example"  # as platforms write their iss
    twice = await api.client.post(
        PATH, headers=admin.headers, json=_valid(issuer="https://a.example")
    )
    assert twice.status_code == 409
    changed = await api.client.put(
        f"{PATH}/{row['id']}",
        headers=admin.headers,
        json=_valid(issuer="https://a.example", name="Renamed"),
    )
    assert changed.json()["name"] == "Renamed"
    assert (
        await api.client.delete(f"{PATH}/{row['id']}", headers=admin.headers)
    ).status_code == 204
    assert (await api.client.get(f"{PATH}/{row['id']}", headers=admin.headers)).status_code == 404


async def test_the_command_line_adds_lists_and_removes(world: World) -> None:
    settings = world.api.settings
    environment = {"WC_DATABASE_URL": settings.database_url, "WC_DATA_DIR": str(settings.data_dir)}

    def wc_lti(*args: str) -> Any:
        return CliRunner().invoke(wc, ["lti", *args], env=environment)

    body = _valid(issuer="https://canvas.cli.example")
    added = await asyncio.to_thread(
        wc_lti,
        "add",
        *("--name", body["name"], "--issuer", body["issuer"], "--client-id", "10000000000001"),
        *("--deployment-id", "d1", "--deployment-id", "d2", "--jwks-url", body["jwks_url"]),
        *("--auth-login-url", body["auth_login_url"]),
        *("--access-token-url", body["access_token_url"]),
    )
    assert added.exit_code == 0, added.output
    row = json.loads(added.stdout)
    assert row["deployment_ids"] == ["d1", "d2"]
    bad = await asyncio.to_thread(
        wc_lti,
        "add",
        *("--name", "x", "--issuer", "gopher://x", "--client-id", "c", "--deployment-id", "d"),
        *("--jwks-url", "https://x.example/k", "--auth-login-url", "https://x.example/a"),
        *("--access-token-url", "https://x.example/t"),
    )
    assert bad.exit_code == 2 and "issuer" in bad.output
    listed = await asyncio.to_thread(wc_lti, "list")
    assert row["id"] in {json.loads(line)["id"] for line in listed.stdout.splitlines()}
    removed = await asyncio.to_thread(wc_lti, "remove", row["id"])
    assert removed.exit_code == 0, removed.output
    missing = await asyncio.to_thread(wc_lti, "remove", row["id"])
    assert missing.exit_code == 2


async def test_launches_from_a_removed_registration_are_refused(world: World) -> None:
    api, admin, platform = world.api, world.admin, world.platform
    original = platform.client_id
    second = await api.client.post(
        PATH, headers=admin.headers, json={**platform.registration(), "client_id": "second-client"}
    )
    assert second.status_code == 201, second.text
    platform.client_id = "second-client"

    before: dict[str, int] = {}

    async def forget(_: dict[str, str]) -> None:
        deleted = await api.client.delete(f"{PATH}/{second.json()['id']}", headers=admin.headers)
        assert deleted.status_code == 204
        before.update(await counts(api))

    try:
        assert (await launch(world, Launch(teacher(), new_context()))).response.status_code == 303
        # Logged in while registered; the platform's answer arrives after the removal.
        refused = await launch(world, Launch(teacher(), new_context()), before_post=forget)
    finally:
        platform.client_id = original
    assert refused.response.status_code == 403
    assert refused.error()["code"] == "lti_platform_unknown"
    assert await counts(api) == before
