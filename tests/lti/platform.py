"""A small LTI 1.3 platform (an LMS) on loopback, the protocol peer the tool is tested against.

It signs id tokens with its own RSA key and serves: its JWKS; the OIDC authorization endpoint
(answering a login with an auto-posting form to the tool's launch URL); the OAuth2 token endpoint
(client credentials, verifying the tool's JWT assertion against the tool's published JWKS); AGS
line items and scores; NRPS memberships; and a deep-linking return URL that verifies the tool's
signed response. Each test says who launches, from where, and how the platform misbehaves.
"""

import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from platform_api.auth.keys import SigningKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINE_ITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def new_key() -> SigningKey:
    return SigningKey(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), uuid.uuid4().hex[:16]
    )


@dataclass
class Person:
    """Someone at the platform."""

    roles: list[str]
    subject: str = field(default_factory=lambda: f"user-{uuid.uuid4().hex[:12]}")
    email: str = field(default_factory=lambda: f"lms-{uuid.uuid4().hex[:10]}@school.example")
    name: str = "Grace Hopper"

    def member(self) -> dict[str, Any]:
        return {
            "status": "Active",
            "user_id": self.subject,
            "email": self.email,
            "name": self.name,
            "roles": self.roles,
        }


@dataclass
class Launch:
    """What the next login of ``person`` launches, and how its id token is made."""

    person: Person
    context_id: str
    resource_link_id: str = field(default_factory=lambda: f"link-{uuid.uuid4().hex[:8]}")
    custom: dict[str, str] = field(default_factory=dict)
    deep_linking: bool = False
    deployment_id: str | None = None  # None: the platform's registered one
    expired: bool = False
    drop_claims: tuple[str, ...] = ()


@dataclass
class Platform:
    url: str
    client_id: str = "water-classroom-tool"
    deployment_id: str = "deployment-1"
    tool_launch_url: str = ""
    tool_jwks_url: str = ""
    key: SigningKey = field(default_factory=new_key)
    launches: dict[str, Launch] = field(default_factory=dict)
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[dict[str, Any]] = field(default_factory=list)
    score_posts: int = 0
    failing_score_posts: int = 0
    memberships: dict[str, list[Person]] = field(default_factory=dict)
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    _tokens: dict[str, set[str]] = field(default_factory=dict)
    _assertion_ids: set[str] = field(default_factory=set)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/jwks", self.jwks),
                Route("/auth", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/lineitems", self.lineitems, methods=["GET", "POST"]),
                Route("/lineitems/{item}/scores", self.score, methods=["POST"]),
                Route("/memberships/{context}", self.members),
                Route("/deep-link-return", self.deep_link_return, methods=["POST"]),
            ]
        )

    def registration(self) -> dict[str, Any]:
        """This platform as an admin registers it with the tool."""
        return {
            "name": "Test LMS",
            "issuer": self.url,
            "client_id": self.client_id,
            "deployment_ids": [self.deployment_id],
            "jwks_url": f"{self.url}/jwks",
            "auth_login_url": f"{self.url}/auth",
            "access_token_url": f"{self.url}/token",
        }

    def plan(self, launch: Launch) -> str:
        """Arrange a launch; its login hint."""
        hint = secrets.token_urlsafe(12)
        self.launches[hint] = launch
        return hint

    async def jwks(self, _: Request) -> JSONResponse:
        return JSONResponse(self.key.jwks())

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") != self.client_id or (
            params.get("redirect_uri") != self.tool_launch_url
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        wanted = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post"}
        if any(params.get(name) != value for name, value in wanted.items()):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        launch = self.launches.pop(params.get("login_hint", ""), None)
        if launch is None:
            return JSONResponse({"error": "login_required"}, status_code=400)
        id_token = self.id_token(launch, params["nonce"])
        fields = {"id_token": id_token, "state": params["state"]}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
        return HTMLResponse(
            f'<form method="post" action="{self.tool_launch_url}">{inputs}</form>'
            "<script>document.forms[0].submit()</script>"
        )

    def id_token(self, launch: Launch, nonce: str) -> str:
        now = int(time.time())
        person = launch.person
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": person.subject,
            "iat": now - 3600 if launch.expired else now,
            "exp": now - 1800 if launch.expired else now + 600,
            "nonce": nonce,
            "email": person.email,
            "name": person.name,
            f"{LTI}version": "1.3.0",
            f"{LTI}deployment_id": launch.deployment_id or self.deployment_id,
            f"{LTI}roles": person.roles,
            f"{LTI}context": {"id": launch.context_id, "title": f"Course {launch.context_id}"},
            f"{LTI}custom": launch.custom,
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/memberships/{launch.context_id}",
                "service_versions": ["2.0"],
            },
        }
        if launch.deep_linking:
            claims[f"{LTI}message_type"] = "LtiDeepLinkingRequest"
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "opaque-platform-data",
            }
        else:
            claims[f"{LTI}message_type"] = "LtiResourceLinkRequest"
            claims[f"{LTI}resource_link"] = {"id": launch.resource_link_id}
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": [LINE_ITEM_SCOPE, SCORE_SCOPE],
                "lineitems": f"{self.url}/lineitems",
            }
        for name in launch.drop_claims:
            claims.pop(name, None)
        return jwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid}
        )

    async def _tool_keys(self) -> jwt.PyJWKSet:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(self.tool_jwks_url)
        answer.raise_for_status()
        return jwt.PyJWKSet.from_dict(answer.json())

    async def _verify_tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = [key for key in (await self._tool_keys()).keys if key.key_id == kid]
        assert keys, f"the tool signed with kid {kid}, which its JWKS does not publish"
        claims: dict[str, Any] = jwt.decode(
            token, keys[0].key, algorithms=["RS256"], audience=audience
        )
        return claims

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        try:
            claims = await self._verify_tool_jwt(
                str(form.get("client_assertion", "")), f"{self.url}/token"
            )
        except jwt.InvalidTokenError as error:
            return JSONResponse(
                {"error": "invalid_client", "error_description": str(error)}, status_code=401
            )
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if claims["jti"] in self._assertion_ids:  # RFC 7523 3: a replayed assertion
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self._assertion_ids.add(claims["jti"])
        access_token = secrets.token_urlsafe(24)
        self._tokens[access_token] = set(str(form.get("scope", "")).split())
        return JSONResponse(
            {"access_token": access_token, "token_type": "bearer", "expires_in": 3600}
        )

    def _authorized(self, request: Request, scope: str) -> bool:
        authorization = request.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ")
        return scope in self._tokens.get(token, set())

    async def lineitems(self, request: Request) -> JSONResponse:
        if not self._authorized(request, LINE_ITEM_SCOPE):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if request.method == "GET":
            return JSONResponse(list(self.line_items.values()))
        item = await request.json()
        item_id = f"{self.url}/lineitems/{uuid.uuid4().hex[:8]}"
        self.line_items[item_id] = {**item, "id": item_id}
        return JSONResponse(self.line_items[item_id], status_code=201)

    async def score(self, request: Request) -> JSONResponse:
        if not self._authorized(request, SCORE_SCOPE):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        item_id = f"{self.url}/lineitems/{request.path_params['item']}"
        if item_id not in self.line_items:
            return JSONResponse({"error": "no such line item"}, status_code=404)
        self.score_posts += 1
        if self.failing_score_posts > 0:
            self.failing_score_posts -= 1
            return JSONResponse({"error": "try again"}, status_code=500)
        score = {**(await request.json()), "lineitem": item_id}
        # AGS: a score no newer than the one on record changes nothing.
        if not any(
            s["userId"] == score["userId"]
            and s["lineitem"] == item_id
            and s["timestamp"] >= score["timestamp"]
            for s in self.scores
        ):
            self.scores.append(score)
        return JSONResponse({}, status_code=200)

    async def members(self, request: Request) -> JSONResponse:
        if not self._authorized(request, NRPS_SCOPE):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        context = request.path_params["context"]
        people = self.memberships.get(context, [])
        return JSONResponse(
            {
                "id": str(request.url),
                "context": {"id": context},
                "members": [person.member() for person in people],
            },
            media_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        )

    async def deep_link_return(self, request: Request) -> JSONResponse:
        form = await request.form()
        try:
            claims = await self._verify_tool_jwt(str(form.get("JWT", "")), self.url)
        except jwt.InvalidTokenError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        self.deep_link_responses.append(claims)
        return JSONResponse(
            {"received": len(claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"])}
        )


@contextmanager
def running_platform() -> Iterator[Platform]:
    """A platform served by uvicorn on a free loopback port in a background thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    platform = Platform(f"http://127.0.0.1:{listener.getsockname()[1]}")
    server = uvicorn.Server(uvicorn.Config(platform.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test LTI platform did not start")
        time.sleep(0.01)
    try:
        yield platform
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of an auto-posting form page."""
    action = re.search(r'action="([^"]+)"', page)
    assert action, page
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    return action.group(1), fields
