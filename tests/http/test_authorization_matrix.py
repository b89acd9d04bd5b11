"""Every endpoint × every role, with the expected outcome derived from the route table.

A route that takes a ``RoleGate`` dependency admits only its roles (others get 403); a route that
takes the caller's identity admits every signed-in role (anonymous gets 401); any other route is
public. The test needs no list of endpoints: a new route is covered the day it is added.
"""

import re
import uuid

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from platform_api.app import ROUTERS
from platform_api.auth.permissions import RoleGate, authenticated
from tests.fixtures.app import Account, Api

ROLES = ("student", "teacher", "parent", "admin", "content_editor", "proctor")
PUBLIC = "public"
SIGNED_IN = frozenset(ROLES)


def allowed_roles(dependant: Dependant) -> frozenset[str] | str:
    """The roles a route admits, read from its dependency tree."""
    gates: list[frozenset[str]] = []
    needs_identity = False
    stack = [dependant]
    while stack:
        node = stack.pop()
        if isinstance(node.call, RoleGate):
            gates.append(frozenset(role.value for role in node.call.roles))
        if node.call is authenticated:
            needs_identity = True
        stack.extend(node.dependencies)
    if gates:
        return frozenset.intersection(*gates)
    return SIGNED_IN if needs_identity else PUBLIC


def api_routes() -> list[APIRoute]:
    routes = [
        route
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/")
    ]
    # Erasing the caller's own account goes last, so the other checks still have their accounts.
    return sorted(
        routes, key=lambda r: (r.path == "/api/v1/users/me" and "DELETE" in r.methods, r.path)
    )


def concrete_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)


# A public route may answer 401 with a verdict of its own (an OIDC callback without the
# provider's code signs nobody in); a 401 asking for credentials, or any 403, is a gate.
def asks_for_credentials(status: int, code: str) -> bool:
    return status == 403 or (status == 401 and code == "not_authenticated")


async def call(api: Api, method: str, path: str, account: Account | None) -> int:
    status, _ = await call_with_code(api, method, path, account)
    return status


async def call_with_code(
    api: Api, method: str, path: str, account: Account | None
) -> tuple[int, str]:
    """The status and the error's stable code (empty when the answer is not an error)."""
    headers = account.headers if account else {}
    kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    response = await api.client.request(method, path, headers=headers, **kwargs)
    error = response.json().get("error", {}) if response.status_code >= 400 else {}
    return response.status_code, error.get("code", "") if isinstance(error, dict) else ""


@pytest.mark.slow
async def test_every_role_against_every_endpoint(api: Api) -> None:
    accounts = {role: await api.account(role) for role in ROLES}
    checked = 0
    failures: list[str] = []
    for route in api_routes():
        expected = allowed_roles(route.dependant)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            path = concrete_path(route)
            anonymous, code = await call_with_code(api, method, path, None)
            if expected == PUBLIC:
                if asks_for_credentials(anonymous, code):
                    failures.append(f"{method} {route.path}: public route gave {anonymous}")
            elif anonymous != 401:
                failures.append(f"{method} {route.path}: anonymous got {anonymous}, not 401")
            if expected == PUBLIC:
                continue
            for role, account in accounts.items():
                status = await call(api, method, path, account)
                checked += 1
                if role in expected and status in (401, 403):
                    failures.append(f"{method} {route.path}: {role} refused with {status}")
                if role not in expected and status != 403:
                    failures.append(f"{method} {route.path}: {role} got {status}, not 403")
    assert not failures, "\n".join(failures)
    assert checked >= len(ROLES) * 20
