"""Personal data at rest and in logs: sealed columns, the migration that seals a previous
release's plaintext rows, key rotation, and no secret or personal value in any log line."""

import asyncio
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text
from typer.testing import CliRunner

from core.encryption import AesGcmCipher, SealedDataError, new_key_text
from core.infra.database import Database
from core.personal_data import (
    PersonalDataKeys,
    attach_keys,
    install_keys,
    installed_keys,
    load_keys,
)
from core.settings import Settings
from platform_api.auth.models import EmailVerification, ParentalConsent, Role, User
from platform_api.cli import app as wc
from platform_api.http.logging import JsonFormatter
from platform_api.schema import alembic_config
from platform_api.wiring import install_personal_data_keys
from tests.fixtures.app import PASSWORD, Api, make_settings, running_api
from tests.fixtures.mail import mailed_token
from tests.fixtures.postgres import create_test_database

EMAIL, PARENT, NAME, BORN = (
    "ada.lovelace@example.org",
    "byron@example.org",
    "Ada Lovelace",
    "1815-12-10",
)


def _keys(tmp_path: Path, key: str, retired: list[str], hash_key: str) -> PersonalDataKeys:
    return load_keys(key, retired, hash_key, tmp_path)


@pytest.fixture
def restored_default_keys() -> Iterator[None]:
    """The CLI installs its keys as the process default; later tests get the run's back."""
    before = installed_keys()
    yield
    assert before is not None
    install_keys(before)


async def _seed_plaintext(url: str) -> uuid.UUID:
    """Rows as the previous release (schema 0021) wrote them: plaintext."""
    user_id = uuid.uuid4()
    database = Database(url, pool_size=1)
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (id, email, display_name, role, birth_date, parent_email, "
                "is_active, locale, preferences, created_at, updated_at) VALUES (:id, :email, "
                ":name, 'student', :born, :parent, true, 'en', '{}', now(), now())"
            ),
            {
                "id": user_id,
                "email": EMAIL,
                "name": NAME,
                "born": date.fromisoformat(BORN),
                "parent": PARENT,
            },
        )
        await connection.execute(
            text(
                "INSERT INTO email_verifications (id, user_id, email, token_hash, expires_at, "
                "created_at) VALUES (:id, :user, :email, 'v-hash', now(), now())"
            ),
            {"id": uuid.uuid4(), "user": user_id, "email": EMAIL},
        )
        await connection.execute(
            text(
                "INSERT INTO parental_consents (id, child_id, parent_email, token_hash, "
                "expires_at, created_at) VALUES (:id, :user, :parent, 'c-hash', now(), now())"
            ),
            {"id": uuid.uuid4(), "user": user_id, "parent": PARENT},
        )
    await database.close()
    return user_id


async def _raw_users(database: Database) -> list[tuple[bytes, ...]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT email, display_name, birth_date, parent_email, email_hash FROM users")
        )
        return [tuple(bytes(value or b"") for value in row) for row in rows]


async def _read_back(database: Database, user_id: uuid.UUID) -> None:
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email_hash == EMAIL.upper()))
        assert user is not None and user.id == user_id
        assert (user.email, user.display_name, user.parent_email) == (EMAIL, NAME, PARENT)
        assert user.birth_date == date.fromisoformat(BORN)
        children = await session.scalars(select(User.id).where(User.parent_email_hash == PARENT))
        assert list(children) == [user_id]
        assert await session.scalar(select(EmailVerification.email)) == EMAIL
        assert await session.scalar(select(ParentalConsent.parent_email)) == PARENT


def _no_plaintext(rows: list[tuple[bytes, ...]]) -> None:
    for row in rows:
        for value in filter(None, row):
            assert value.startswith(b"WC1") or len(value) == 32  # sealed, or the 32-byte HMAC
            for plain in (EMAIL, NAME, BORN, PARENT, "lovelace", "example.org"):
                assert plain.encode() not in value.lower()


async def test_a_previous_release_database_is_sealed_by_the_upgrade_and_opened_back(
    postgres_server_url: str,
) -> None:
    url = await create_test_database(postgres_server_url)
    config = alembic_config(url)
    await asyncio.to_thread(command.downgrade, config, "0021")
    user_id = await _seed_plaintext(url)
    await asyncio.to_thread(command.upgrade, config, "0022")  # keys: the run's installed ones
    database = Database(url, pool_size=2)
    try:
        _no_plaintext(await _raw_users(database))
        await _read_back(database, user_id)
        await asyncio.to_thread(command.downgrade, config, "0021")  # opens them back
        async with database.engine.connect() as connection:
            row = (await connection.execute(text("SELECT email, display_name FROM users"))).one()
        assert tuple(row) == (EMAIL, NAME)
    finally:
        await database.close()
        await asyncio.to_thread(command.upgrade, config, "head")


def test_rotation_reseals_every_value_under_the_new_key(
    postgres_server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restored_default_keys: None,
) -> None:
    old_key, old_hash = new_key_text(), new_key_text()
    new_key, new_hash = new_key_text(), new_key_text()
    url = asyncio.run(create_test_database(postgres_server_url))
    user_id = asyncio.run(_seal_under(url, _keys(tmp_path, old_key, [], old_hash)))
    monkeypatch.setenv("WC_DATABASE_URL", url)
    monkeypatch.setenv("WC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WC_PII_KEY", new_key)
    monkeypatch.setenv("WC_PII_RETIRED_KEYS", json.dumps([old_key]))
    monkeypatch.setenv("WC_PII_HASH_KEY", new_hash)
    result = CliRunner().invoke(wc, ["keys", "rotate-pii"])
    assert result.exit_code == 0, result.output
    assert "3 rows re-sealed" in result.output
    # Only the new keys now: the retired one is no longer needed.
    asyncio.run(_check_rotated(url, _keys(tmp_path, new_key, [], new_hash), new_key, user_id))


async def _seal_under(url: str, keys: PersonalDataKeys) -> uuid.UUID:
    database = Database(url, pool_size=1)
    attach_keys(database.engine, keys)
    user = User(
        email=EMAIL,
        display_name=NAME,
        role=Role.STUDENT,
        birth_date=date.fromisoformat(BORN),
        parent_email=PARENT,
        preferences={},
    )
    async with database.session() as session:
        session.add(user)
        await session.flush()
        session.add(
            EmailVerification(
                user_id=user.id, email=EMAIL, token_hash="v", expires_at=user.created_at
            )
        )
        session.add(
            ParentalConsent(
                child_id=user.id, parent_email=PARENT, token_hash="c", expires_at=user.created_at
            )
        )
        await session.commit()
    await database.close()
    return user.id


async def _check_rotated(url: str, keys: PersonalDataKeys, key: str, user_id: uuid.UUID) -> None:
    database = Database(url, pool_size=1)
    attach_keys(database.engine, keys)
    try:
        await _read_back(database, user_id)
        current_id = AesGcmCipher.from_texts(key).seal(b"", context="x")[3:11]
        rows = await _raw_users(database)
        _no_plaintext(rows)
        assert all(value[3:11] == current_id for value in rows[0][:4])
    finally:
        await database.close()


@pytest.fixture
async def debug_logged_api(
    database_url_for_test: str, tmp_path: Path
) -> AsyncIterator[tuple[Api, io.StringIO]]:
    """The app at WC_LOG_LEVEL=DEBUG, every line its logging lets through captured as JSON."""
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        log_level="DEBUG",
        log_format="json",
        webhook_allowed_networks=["127.0.0.1/32"],
    )
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    root_level = logging.root.level
    async for api in running_api(settings):
        logging.root.addHandler(handler)
        try:
            yield api, captured
        finally:
            logging.root.removeHandler(handler)
    logging.root.setLevel(root_level)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


async def test_no_secret_or_personal_value_reaches_the_logs(
    debug_logged_api: tuple[Api, io.StringIO],
) -> None:
    api, captured = debug_logged_api
    secrets_seen = await _realistic_flow(api)
    database = api.stores.database
    _no_plaintext([row[:2] for row in await _raw_users(database)])
    logs = captured.getvalue()
    # The grep means something only if the flow was logged, at DEBUG: each request's line is there.
    assert logging.root.level == logging.DEBUG
    assert logs.count('"msg":"request"') >= FLOW_REQUESTS, logs
    leaked = [value for value in secrets_seen if value.lower() in logs.lower()]
    lines = [line for line in logs.splitlines() if any(v.lower() in line.lower() for v in leaked)]
    assert leaked == [], "\n".join(line[:300] for line in lines)


FLOW_REQUESTS = 9  # the HTTP requests _realistic_flow makes, at least


async def _realistic_flow(api: Api) -> list[str]:
    """Register (a parent, a child needing consent, a teacher), log in, verify an address,
    refresh, read the profile, make a webhook subscription; return what must never be logged."""
    tag = uuid.uuid4().hex[:8]
    parent_email, child_email = f"parent.{tag}@example.org", f"child.{tag}@example.org"
    teacher_email = f"teacher.{tag}@example.org"
    await api.register("parent", email=parent_email, display_name=f"Parent Name{tag}")
    child = await api.register(
        "student",
        email=child_email,
        display_name=f"Child Name{tag}",
        birth_date="2019-04-17",
        parent_email=parent_email,
    )
    assert child.status_code == 201, child.text
    consent = await mailed_token(api, parent_email, "/parental-consent")
    confirmed = await api.client.get(
        "/api/v1/auth/parental-consent/confirm", params={"token": consent}
    )
    assert confirmed.status_code == 200, confirmed.text
    registered = await api.register(
        "teacher", email=teacher_email, display_name=f"Teacher Name{tag}"
    )
    assert registered.status_code == 201
    tokens = (await api.login(teacher_email)).json()
    verify = await mailed_token(api, teacher_email, "/verify-email")
    assert (
        await api.client.get("/api/v1/auth/verify-email/confirm", params={"token": verify})
    ).status_code == 200
    refreshed = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await api.client.get("/api/v1/users/me", headers=headers)).status_code == 200
    admin = await api.account("admin")
    hook = await api.client.post(
        "/api/v1/webhooks/subscriptions",
        headers=admin.headers,
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["user.erased"]},
    )
    assert hook.status_code == 201, hook.text
    keys_dir = api.settings.resolved_data_dir / "keys"
    key_texts = [path.read_text().strip() for path in keys_dir.glob("*.key")]
    return [
        PASSWORD,
        parent_email,
        child_email,
        teacher_email,
        admin.email,
        f"Name{tag}",
        "2019-04-17",
        consent,
        verify,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.json()["refresh_token"],
        refreshed.json()["access_token"],
        admin.access_token,
        hook.json()["secret"],
        api.settings.pii_key,
        api.settings.pii_hash_key,
        *key_texts,
    ]


def test_empty_settings_generate_two_distinct_keys_once_in_the_data_dir(
    tmp_path: Path, restored_default_keys: None
) -> None:
    settings = Settings(data_dir=tmp_path, pii_key="", pii_hash_key="")
    first = install_personal_data_keys(settings)
    again = install_personal_data_keys(settings)
    keys_dir = tmp_path / "keys"
    sealing = (keys_dir / "personal-data.key").read_text()
    hashing = (keys_dir / "personal-data-hash.key").read_text()
    assert sealing != hashing
    assert (
        again.open_text(first.seal_text(NAME, "users.display_name"), "users.display_name") == NAME
    )
    assert first.address_digest(" Ada.Lovelace@Example.org ") == again.address_digest(EMAIL)
    with pytest.raises(SealedDataError):
        again.open_text(first.seal_text(NAME, "users.display_name"), "users.email")
