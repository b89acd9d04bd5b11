"""Registration, login, COPPA parental consent by e-mailed link."""

import email
import time
from datetime import date
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import select

from platform_api.auth.models import User
from platform_api.auth.passwords import needs_rehash
from tests.fixtures.app import PASSWORD, Api
from tests.fixtures.mail import mailed_token, wait_for_mail


async def test_register_then_login(api: Api) -> None:
    registered = await api.register("teacher")
    assert registered.status_code == 201
    assert registered.json()["activation_required"] is False
    login = await api.login(registered.json()["user"]["email"])
    assert login.status_code == 200
    assert set(login.json()) >= {"access_token", "refresh_token", "expires_in"}


async def test_a_password_hashed_at_another_cost_is_rehashed_at_the_next_sign_in(
    api: Api,
) -> None:
    account = await api.account("teacher")
    # As an instance whose operator raised the cost since this password was set would hold it.
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    async with api.stores.database.session() as session, session.begin():
        user = await session.get(User, account.id)
        assert user is not None and not needs_rehash(user.password_hash or "")
        user.password_hash = older
    assert (await api.login(account.email, "not the password")).status_code == 401
    async with api.stores.database.session() as session:
        assert await session.scalar(select(User.password_hash).filter_by(id=account.id)) == older

    assert (await api.login(account.email)).status_code == 200
    async with api.stores.database.session() as session:
        rehashed = await session.scalar(select(User.password_hash).filter_by(id=account.id))
    assert rehashed is not None and rehashed != older and not needs_rehash(rehashed)
    assert (await api.login(account.email)).status_code == 200


async def test_duplicate_email_is_a_conflict(api: Api) -> None:
    first = await api.register("teacher")
    again = await api.client.post(
        "/api/v1/auth/register",
        json={
            "email": first.json()["user"]["email"].upper(),
            "password": PASSWORD,
            "display_name": "Twin",
            "role": "teacher",
        },
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


async def test_wrong_password_is_refused(api: Api) -> None:
    registered = await api.register("teacher")
    login = await api.login(registered.json()["user"]["email"], "not the password")
    assert login.status_code == 401
    assert login.json()["error"]["code"] == "invalid_credentials"


async def test_bad_registration_input_is_a_clear_422(api: Api) -> None:
    bad = await api.client.post(
        "/api/v1/auth/register",
        json={"email": "not-an-email", "password": "short", "display_name": "", "role": "admin"},
    )
    assert bad.status_code == 422
    fields = {tuple(d["loc"])[-1] for d in bad.json()["error"]["details"]}
    assert {"email", "password", "display_name", "role"} <= fields


async def test_under_13_stays_inactive_until_parent_confirms(api: Api) -> None:
    today = date.today()
    parent_email = f"parent-{time.monotonic_ns()}@example.org"
    child = await api.register(
        "student", birth_date=date(today.year - 9, 1, 1).isoformat(), parent_email=parent_email
    )
    assert child.status_code == 201
    assert child.json()["activation_required"] is True
    child_email = child.json()["user"]["email"]
    blocked = await api.login(child_email)
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "account_inactive"

    parent = await api.account("parent", email=parent_email)
    token = await mailed_token(api, parent_email, "/parental-consent")
    confirmed = await api.client.get(
        "/api/v1/auth/parental-consent/confirm", params={"token": token}
    )
    assert confirmed.status_code == 200
    assert (await api.login(child_email)).status_code == 200

    children = await api.client.get("/api/v1/users/me/children", headers=parent.headers)
    assert [c["email"] for c in children.json()] == [child_email]


async def test_under_13_without_parent_email_is_refused(api: Api) -> None:
    today = date.today()
    response = await api.register("student", birth_date=date(today.year - 8, 6, 1).isoformat())
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "parent_email"}


async def test_forged_consent_token_is_refused(api: Api) -> None:
    response = await api.client.get(
        "/api/v1/auth/parental-consent/confirm", params={"token": "x" * 43}
    )
    assert response.status_code == 401


async def test_login_is_rate_limited(database_url_for_test: str, tmp_path: Path) -> None:
    from tests.fixtures.app import make_settings, running_api

    settings = make_settings(database_url_for_test, tmp_path, login_rate_limit_per_minute=3)
    async for api in running_api(settings):
        statuses = [
            (await api.login("nobody@example.org", "wrong password")).status_code for _ in range(5)
        ]
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3] == 429
        limited = await api.login("nobody@example.org", "wrong password")
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"


async def test_email_is_verified_by_the_mailed_link_once(api: Api) -> None:
    teacher = await api.account("teacher")
    me = await api.client.get("/api/v1/users/me", headers=teacher.headers)
    assert me.json()["email_verified"] is False
    token = await mailed_token(api, teacher.email, "/verify-email")
    link = f"/api/v1/auth/verify-email/confirm?token={token}"
    confirmed = await api.client.get(link)
    assert confirmed.status_code == 200
    assert confirmed.json() == {"status": "verified", "email": teacher.email}
    me = await api.client.get("/api/v1/users/me", headers=teacher.headers)
    assert me.json()["email_verified"] is True
    assert (await api.client.get(link)).status_code == 401
    again = await api.client.post("/api/v1/auth/verify-email/resend", headers=teacher.headers)
    assert again.status_code == 409


async def test_no_mail_reaches_a_child_before_parental_consent(api: Api) -> None:
    today = date.today()
    parent_email = f"parent-{time.monotonic_ns()}@example.org"
    child = await api.register(
        "student", birth_date=date(today.year - 10, 3, 3).isoformat(), parent_email=parent_email
    )
    mail_dir = api.settings.resolved_data_dir / "mail"
    await wait_for_mail(mail_dir, parent_email)  # the relay has delivered the registration's mail
    recipients = [email.message_from_bytes(p.read_bytes())["To"] for p in mail_dir.glob("*.eml")]
    assert child.json()["user"]["email"] not in recipients
