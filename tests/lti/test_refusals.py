"""Launches that must be refused, each with a clear 4xx JSON error and nothing stored."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from tests.lti.conftest import World
from tests.lti.flows import counts, launch, learner, new_context, teacher
from tests.lti.platform import LTI, Launch, new_key


def _tampered(token: str) -> str:
    """The same signature over a body whose subject was changed."""
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _resigned(token: str, algorithm: str, key: object) -> str:
    """The token's claims and kid, signed again by ``key`` with ``algorithm``."""
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256_with_public_key(world: World) -> Callable[[str], str]:
    """The classic algorithm confusion: HMAC keyed with the platform's public key (made by
    hand: PyJWT itself refuses to)."""
    secret = world.platform.key.public_pem()

    def confuse(token: str) -> str:
        header, body = jwt.get_unverified_header(token), token.split(".")[1]
        signing_input = f"{_b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{body}"
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"

    return confuse


@dataclass(frozen=True)
class Bad:
    """A bad launch: how its plan or id token is spoilt, and the error it must get."""

    status: int
    code: str
    reason: str
    plan: dict[str, Any] = field(default_factory=dict)
    mutation: Callable[[World], Callable[[str], str]] | None = None


CASES = {
    "tampered": Bad(401, "lti_launch_refused", "signature", mutation=lambda world: _tampered),
    "other key": Bad(
        401,
        "lti_launch_refused",
        "signature",
        mutation=lambda world: lambda token: _resigned(token, "RS256", new_key().private_key),
    ),
    "wrong alg": Bad(401, "lti_launch_refused", "signature", mutation=_hs256_with_public_key),
    "garbage": Bad(
        400, "lti_launch_invalid", "format", mutation=lambda world: lambda token: "not.a-jwt"
    ),
    "expired": Bad(401, "lti_launch_refused", "expired", {"expired": True}),
    "unknown deployment": Bad(
        403, "lti_platform_unknown", "deployment", {"deployment_id": "deployment-nobody-knows"}
    ),
    "missing roles": Bad(400, "lti_launch_invalid", "claims", {"drop_claims": (f"{LTI}roles",)}),
    "missing message type": Bad(
        400, "lti_launch_invalid", "claims", {"drop_claims": (f"{LTI}message_type",)}
    ),
    "missing context": Bad(
        400, "lti_launch_invalid", "claims", {"drop_claims": (f"{LTI}context",)}
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_launches_are_refused_and_store_nothing(world: World, case: str) -> None:
    bad = CASES[case]
    mutate = bad.mutation(world) if bad.mutation else None
    before = await counts(world.api)
    refused = await launch(world, Launch(teacher(), new_context(), **bad.plan), mutate=mutate)
    assert refused.response.status_code == bad.status, refused.response.text
    error = refused.error()
    assert (error["code"], error["details"]["reason"]) == (bad.code, bad.reason)
    assert error["message"]
    assert await counts(world.api) == before


async def test_a_replayed_id_token_is_refused(world: World) -> None:
    """Posted again by the same browser (its state cookie still set): the nonce is spent."""
    context = new_context()
    await launch(world, Launch(teacher(), context))
    async with httpx.AsyncClient(base_url=world.url, timeout=10) as browser:
        first = await launch(world, Launch(learner(), context), browser)
        assert first.response.status_code == 303
        before = await counts(world.api)
        replayed = await browser.post("/api/v1/lti/launch", data=first.form)
    assert replayed.status_code == 401, replayed.text
    error = replayed.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("lti_launch_refused", "nonce")
    assert await counts(world.api) == before


async def test_logins_from_unregistered_platforms_are_refused(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.url, timeout=10) as browser:
        unknown = await browser.get(
            "/api/v1/lti/login",
            params={"iss": "https://lms.elsewhere.example", "login_hint": "h", "client_id": "c"},
        )
        no_hint = await browser.post("/api/v1/lti/login", data={"iss": world.platform.url})
    assert unknown.status_code == 403
    assert unknown.json()["error"]["code"] == "lti_platform_unknown"
    assert no_hint.status_code == 422
    assert no_hint.json()["error"]["code"] == "validation_error"


async def test_a_launch_posted_by_another_browser_is_refused(world: World) -> None:
    """The state cookie ties a launch to the browser that started the login; the refused post
    spends no nonce, so the right browser still gets in."""
    elsewhere: list[httpx.Response] = []

    async def post_from_another_browser(form: dict[str, str]) -> None:
        async with httpx.AsyncClient(base_url=world.url, timeout=10) as other:
            elsewhere.append(await other.post("/api/v1/lti/launch", data=form))

    before = await counts(world.api)
    launched = await launch(
        world, Launch(teacher(), new_context()), before_post=post_from_another_browser
    )
    [stolen] = elsewhere
    assert stolen.status_code == 401, stolen.text
    assert stolen.json()["error"]["details"]["reason"] == "state"
    assert launched.response.status_code == 303
    assert (await counts(world.api))["LtiContext"] == before["LtiContext"] + 1
