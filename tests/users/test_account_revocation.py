"""The access tokens of an erased or deactivated account stop working at once, on every route.

Found by fuzzing: after ``DELETE /users/me`` the same token still created classes and curricula
(500: foreign key to the erased user) until it expired 15 minutes later.
"""

import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from platform_api.auth.admin import deactivate_account
from tests.fixtures.app import Account, Api, served_on_loopback

# A write that references the caller, one that changes the caller, and reads.
SIGNED_IN_CALLS = (
    ("POST", "/api/v1/classes", {"name": "Physics 9b"}),
    ("POST", "/api/v1/curricula", {"title": "Mechanics"}),
    ("PATCH", "/api/v1/users/me", {"display_name": "Still me?"}),
    ("GET", "/api/v1/users/me", None),
    ("GET", "/api/v1/notifications", None),
    ("GET", "/api/v1/tutor/sessions", None),
)


async def refused_calls(api: Api, account: Account) -> list[str]:
    """Every call above that is not refused with 401 ``invalid_token`` (account closed)."""
    wrong = []
    for method, path, body in SIGNED_IN_CALLS:
        response = await api.client.request(method, path, json=body, headers=account.headers)
        error = response.json().get("error", {}) if response.status_code >= 400 else {}
        if response.status_code != 401 or error.get("details") != {"reason": "account_closed"}:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    return wrong


async def signed_in_calls_succeed(api: Api, account: Account) -> None:
    for method, path, body in SIGNED_IN_CALLS:
        response = await api.client.request(method, path, json=body, headers=account.headers)
        assert response.status_code < 300, f"{method} {path}: {response.text}"


async def test_an_erased_accounts_token_gets_401_everywhere(api: Api) -> None:
    teacher = await api.account("teacher")
    await signed_in_calls_succeed(api, teacher)  # the account state is now cached as open
    erased = await api.client.delete("/api/v1/users/me", headers=teacher.headers)
    assert erased.status_code == 204
    assert await refused_calls(api, teacher) == []
    again = await api.client.delete("/api/v1/users/me", headers=teacher.headers)
    assert again.status_code == 401


async def test_a_deactivated_accounts_token_gets_401_and_it_cannot_sign_in(api: Api) -> None:
    teacher = await api.account("teacher")
    await signed_in_calls_succeed(api, teacher)
    async with api.stores.database.session() as session:
        await deactivate_account(session, api.stores.cache, teacher.email)
    assert await refused_calls(api, teacher) == []
    assert (await api.login(teacher.email)).status_code == 403
    refreshed = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": teacher.refresh_token}
    )
    assert refreshed.status_code == 403


async def test_a_closed_account_is_refused_even_when_its_cached_state_is_gone(api: Api) -> None:
    # The database decides on a cache miss (a restart of the in-process cache, a Redis flush).
    teacher = await api.account("teacher")
    assert (await api.client.delete("/api/v1/users/me", headers=teacher.headers)).status_code == 204
    await api.stores.cache.delete(f"account:state:{teacher.id}")
    assert await refused_calls(api, teacher) == []


async def test_the_websocket_refuses_an_erased_accounts_token(api: Api) -> None:
    student = await api.account("student")
    assert (await api.client.delete("/api/v1/users/me", headers=student.headers)).status_code == 204
    async with served_on_loopback(api.app) as base_url:
        hub = httpx.URL(base_url).copy_with(scheme="ws", path="/api/v1/ws")
        async with connect(str(hub)) as socket:
            await socket.send(json.dumps({"type": "auth", "token": student.access_token}))
            with pytest.raises(ConnectionClosed) as closed:
                await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "erased or deactivated" in closed.value.rcvd.reason
