"""OpenID Connect sign-in against a real OIDC issuer on loopback, through the app's HTTP API."""

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from platform_api.auth.models import OidcIdentity, User
from platform_api.auth.oidc import state_key
from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.oidc_issuer import IssuerUser, Misbehaviour, OidcIssuer, running_issuer
from tests.fixtures.postgres import free_port

PUBLIC_URL = "https://classroom.test"
OIDC = "/api/v1/auth/oidc"


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    callbacks = {f"{PUBLIC_URL}{OIDC}/{name}/callback" for name in ("google", "apple", "named")}
    with running_issuer(callbacks) as running:
        yield running


@pytest.fixture
async def issuer_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
async def api(database_url_for_test: str, tmp_path: Path, issuer: OidcIssuer) -> AsyncIterator[Api]:
    client = {
        "issuer": issuer.url,
        "client_id": issuer.client_id,
        "client_secret": issuer.client_secret,
    }
    providers = {
        "google": client,
        # Apple is told to answer by form_post; "named" asks for the same scopes without it.
        "apple": {**client, "scopes": "openid email name", "response_mode": "form_post"},
        "named": {**client, "scopes": "openid email name"},
        "offline": {"issuer": f"http://127.0.0.1:{free_port()}", "client_id": "nobody"},
    }
    settings = make_settings(
        database_url_for_test, tmp_path, public_url=PUBLIC_URL, oidc_providers=providers
    )
    async for running in running_api(settings):
        yield running


async def _start(api: Api, provider: str = "google", **query: str | None) -> str:
    """Our authorize endpoint (a None value leaves a parameter out); the issuer URL it gives."""
    params = {
        name: value
        for name, value in {"birth_date": "2000-01-01", **query}.items()
        if value is not None
    }
    started = await api.client.get(f"{OIDC}/{provider}/authorize", params=params)
    assert started.status_code == 302, started.text
    return started.headers["location"]


async def _log_in(issuer_client: httpx.AsyncClient, authorize_url: str) -> dict[str, str]:
    """The browser at the issuer: the answer it carries back to our callback."""
    answer = await issuer_client.get(authorize_url)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return {name: values[0] for name, values in query.items()}


async def _callback(api: Api, answer: dict[str, str], provider: str = "google") -> httpx.Response:
    return await api.client.get(f"{OIDC}/{provider}/callback", params=answer)


async def _sign_in(
    api: Api, issuer_client: httpx.AsyncClient, provider: str = "google", **query: str | None
) -> httpx.Response:
    answer = await _log_in(issuer_client, await _start(api, provider, **query))
    return await _callback(api, answer, provider)


async def _me(api: Api, signed_in: httpx.Response) -> dict[str, object]:
    assert signed_in.status_code == 200, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    me = await api.client.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200, me.text
    body: dict[str, object] = me.json()
    return body


async def _identities(api: Api, user_id: object) -> list[tuple[str, str]]:
    async with api.stores.database.session() as session:
        rows = await session.execute(
            select(OidcIdentity.provider, OidcIdentity.subject).where(
                OidcIdentity.user_id == uuid.UUID(str(user_id))
            )
        )
        return [(provider, subject) for provider, subject in rows]


async def _user(api: Api, user_id: object) -> User:
    async with api.stores.database.session() as session:
        user = await session.get(User, uuid.UUID(str(user_id)))
        assert user is not None
        return user


async def _mark_email_verified(api: Api, user_id: uuid.UUID) -> None:
    """What following the e-mailed verification link does."""
    async with api.stores.database.session() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.email_verified = True
        await session.commit()


async def _count_users(api: Api, email: str) -> int:
    async with api.stores.database.session() as session:
        return int(await session.scalar(select(func.count()).where(User.email_hash == email)) or 0)


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_authorize_redirects_with_pkce_state_and_nonce(api: Api, issuer: OidcIssuer) -> None:
    location = urlsplit(await _start(api))
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{issuer.url}/authorize"
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [issuer.client_id]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}{OIDC}/google/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] != query["nonce"][0]
    assert "response_mode" not in query


async def test_response_mode_is_sent_only_when_configured(api: Api) -> None:
    """Asking for Apple's "name" scope no longer implies form_post: the setting decides."""
    assert "response_mode" not in parse_qs(urlsplit(await _start(api, "named")).query)
    apple = parse_qs(urlsplit(await _start(api, "apple")).query)
    assert apple["response_mode"] == ["form_post"]


async def test_new_user_is_created_with_a_linked_identity(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    assert issuer.user is not None
    issuer.user.email = issuer.user.email.upper()
    me = await _me(api, await _sign_in(api, issuer_client))
    assert me["email"] == issuer.user.email.lower()
    assert (me["role"], me["display_name"], me["birth_date"]) == (
        "student",
        "Ada Lovelace",
        "2000-01-01",
    )
    assert await _identities(api, me["id"]) == [("google", issuer.user.subject)]
    assert (await _user(api, me["id"])).email_verified
    no_password = await api.login(str(me["email"]), "anything at all")
    assert _error(no_password) == (401, "invalid_credentials")


async def test_simultaneous_first_sign_ins_make_one_account(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    """Two tabs finishing the first sign-in at once: both succeed, one account, one link."""
    assert issuer.user is not None
    answers = [await _log_in(issuer_client, await _start(api)) for _ in range(2)]
    first, second = await asyncio.gather(*(_callback(api, answer) for answer in answers))
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert await _count_users(api, issuer.user.email.lower()) == 1
    me = await _me(api, first)
    assert await _identities(api, me["id"]) == [("google", issuer.user.subject)]


async def test_second_sign_in_finds_the_same_user_by_subject(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    first = await _me(api, await _sign_in(api, issuer_client, role="teacher"))
    assert issuer.user is not None
    issuer.user.email = f"renamed-{uuid.uuid4().hex[:8]}@example.org"
    again = await _me(api, await _sign_in(api, issuer_client, role="parent"))
    assert (again["id"], again["email"], again["role"]) == (first["id"], first["email"], "teacher")
    assert await _count_users(api, issuer.user.email) == 0


async def test_verified_email_links_an_existing_password_account(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    account = await api.account("teacher")
    await _mark_email_verified(api, account.id)
    issuer.user = IssuerUser(email=account.email.upper(), email_verified=True)
    me = await _me(api, await _sign_in(api, issuer_client))
    assert (me["id"], me["role"]) == (str(account.id), "teacher")
    assert await _identities(api, account.id) == [("google", issuer.user.subject)]
    assert (await api.login(account.email)).status_code == 200


async def test_verified_email_does_not_link_an_unverified_password_account(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    """Else whoever registered the address first, without owning it, would keep a password to
    the account its real owner then uses through the provider (pre-hijacking)."""
    account = await api.account("teacher")
    issuer.user = IssuerUser(email=account.email, email_verified=True)
    refused = await _sign_in(api, issuer_client)
    assert _error(refused) == (409, "conflict")
    error = refused.json()["error"]
    assert error["details"] == {"reason": "email_unverified_account"}
    assert "verify your e-mail" in error["message"]
    async with api.stores.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(OidcIdentity)) == 0
    assert await _count_users(api, account.email) == 1

    await _mark_email_verified(api, account.id)
    me = await _me(api, await _sign_in(api, issuer_client))
    assert me["id"] == str(account.id)


async def test_unverified_email_neither_links_nor_creates(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    """Else anyone could claim an address at a lax provider and take over or squat the account."""
    account = await api.account("teacher")
    issuer.user = IssuerUser(email=account.email, email_verified=False)
    refused = await _sign_in(api, issuer_client)
    assert _error(refused) == (403, "forbidden")
    assert refused.json()["error"]["details"]["reason"] == "email_not_verified"
    assert await _identities(api, account.id) == []

    issuer.user = IssuerUser(email_verified=False)
    assert _error(await _sign_in(api, issuer_client)) == (403, "forbidden")
    assert await _count_users(api, issuer.user.email) == 0


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_the_client_authenticates_as_the_issuer_offers(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient, method: str
) -> None:
    issuer.token_auth_methods = [method]
    assert (await _sign_in(api, issuer_client)).status_code == 200


async def test_replayed_state_is_refused(api: Api, issuer_client: httpx.AsyncClient) -> None:
    answer = await _log_in(issuer_client, await _start(api))
    assert (await _callback(api, answer)).status_code == 200
    assert _error(await _callback(api, answer)) == (401, "invalid_token")


async def test_state_of_another_provider_is_refused(
    api: Api, issuer_client: httpx.AsyncClient
) -> None:
    answer = await _log_in(issuer_client, await _start(api, "google"))
    assert _error(await _callback(api, answer, "apple")) == (401, "invalid_token")
    assert _error(await _callback(api, answer, "google")) == (401, "invalid_token")


async def test_the_issuer_checks_our_pkce_verifier(
    api: Api, issuer_client: httpx.AsyncClient
) -> None:
    """Swapping the verifier we keep makes the exchange fail: so we do send the right one."""
    answer = await _log_in(issuer_client, await _start(api))
    key = state_key(answer["state"])
    pending = json.loads(await api.stores.cache.get(key) or b"{}")
    pending["code_verifier"] = "x" * 64
    await api.stores.cache.set(key, json.dumps(pending).encode(), 60)
    refused = await _callback(api, answer)
    assert _error(refused) == (401, "invalid_token")
    assert refused.json()["error"]["details"] == {
        "provider_error": "invalid_grant",
        "provider_message": "PKCE verification failed",
    }


@pytest.mark.parametrize(
    ("misbehaviour", "explained_by"),
    [
        (Misbehaviour.FORGED_SIGNATURE, "signature verification failed"),
        (Misbehaviour.WRONG_AUDIENCE, "audience"),
        (Misbehaviour.WRONG_NONCE, "nonce"),
        (Misbehaviour.WRONG_ISSUER, "issuer"),
        (Misbehaviour.EXPIRED, "expired"),
        (Misbehaviour.UNADVERTISED_ALGORITHM, "algorithm"),
    ],
)
async def test_a_bad_id_token_is_refused(
    api: Api,
    issuer: OidcIssuer,
    issuer_client: httpx.AsyncClient,
    misbehaviour: Misbehaviour,
    explained_by: str,
) -> None:
    issuer.misbehaviour = {misbehaviour}
    refused = await _sign_in(api, issuer_client)
    assert _error(refused) == (401, "invalid_token")
    assert explained_by in json.dumps(refused.json()["error"]).lower()
    assert issuer.user is not None
    assert await _count_users(api, issuer.user.email) == 0


async def test_provider_refusal_is_a_401_with_its_error(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    issuer.user = None
    refused = await _sign_in(api, issuer_client)
    assert _error(refused) == (401, "invalid_token")
    assert refused.json()["error"]["details"]["provider_error"] == "access_denied"


async def test_unknown_provider_is_404(api: Api) -> None:
    assert _error(await api.client.get(f"{OIDC}/myspace/authorize")) == (404, "not_found")
    callback = await api.client.get(f"{OIDC}/myspace/callback", params={"code": "c", "state": "s"})
    assert _error(callback) == (404, "not_found")


async def test_unreachable_provider_is_503(api: Api) -> None:
    unreachable = await api.client.get(f"{OIDC}/offline/authorize")
    assert _error(unreachable) == (503, "service_unavailable")
    assert "could not be reached" in unreachable.json()["error"]["message"]


async def test_under_13_student_is_told_to_register_with_a_parent(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    nine_years_ago = date(date.today().year - 9, 1, 1).isoformat()
    refused = await _sign_in(api, issuer_client, birth_date=nine_years_ago)
    assert _error(refused) == (422, "validation_error")
    assert "parent" in refused.json()["error"]["message"]
    assert issuer.user is not None
    assert await _count_users(api, issuer.user.email) == 0

    no_birth_date = await _sign_in(api, issuer_client, birth_date=None)
    assert _error(no_birth_date) == (422, "validation_error")


async def test_inactive_account_is_refused_and_not_linked(
    api: Api, issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    child = await api.register(
        "student",
        birth_date=date(date.today().year - 9, 1, 1).isoformat(),
        parent_email=f"parent-{uuid.uuid4().hex[:8]}@example.org",
    )
    issuer.user = IssuerUser(email=child.json()["user"]["email"])
    assert _error(await _sign_in(api, issuer_client)) == (403, "account_inactive")
    assert await _identities(api, child.json()["user"]["id"]) == []


async def test_form_post_callback_signs_in(api: Api, issuer_client: httpx.AsyncClient) -> None:
    authorize_url = await _start(api, "apple", role="teacher")
    assert parse_qs(urlsplit(authorize_url).query)["response_mode"] == ["form_post"]
    page = await issuer_client.get(authorize_url)
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action is not None and action.group(1) == f"{PUBLIC_URL}{OIDC}/apple/callback"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    posted = await api.client.post(urlsplit(action.group(1)).path, data=fields)
    me = await _me(api, posted)
    assert me["role"] == "teacher"


async def test_the_issuer_speaks_standard_oidc_to_other_libraries(
    issuer: OidcIssuer, issuer_client: httpx.AsyncClient
) -> None:
    """Authlib's PKCE, client_secret_post and joserfc's ID-token checks pass against it too."""
    redirect_uri = next(iter(issuer.redirect_uris))
    verifier, nonce = "v" * 64, "n0nce"
    config = (await issuer_client.get(f"{issuer.url}/.well-known/openid-configuration")).json()
    answer = await issuer_client.get(
        config["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": issuer.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email",
            "state": "s",
            "nonce": nonce,
            "code_challenge_method": "S256",
            "code_challenge": create_s256_code_challenge(verifier),
        },
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = await issuer_client.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": issuer.client_id,
            "client_secret": issuer.client_secret,
        },
    )
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set((await issuer_client.get(config["jwks_uri"])).json())
    id_token = joserfc_jwt.decode(tokens.json()["id_token"], keys, algorithms=["RS256"])
    joserfc_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer.url},
        aud={"essential": True, "value": issuer.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(id_token.claims)


async def test_a_sign_in_started_by_the_web_client_hands_it_the_tokens(
    api: Api, issuer_client: httpx.AsyncClient
) -> None:
    listed = await api.client.get(f"{OIDC}/providers")
    assert listed.status_code == 200 and listed.json() == ["apple", "google", "named", "offline"]
    handed = await _sign_in(api, issuer_client, client="web")
    assert handed.status_code == 303, handed.text
    page, _, fragment = handed.headers["location"].partition("#")
    assert page == "/sign-in/complete"  # the tokens ride in the fragment, never sent to a server
    tokens = {name: values[0] for name, values in parse_qs(fragment).items()}
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    me = await api.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200, me.text
