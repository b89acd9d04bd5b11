"""The security headers' rules: HSTS only over https (or an https public URL), the LMS origins
that may frame the client, the docs' own policy, a response's own policy kept, and settings that
cannot smuggle a directive into the policy. (The web client under the policy, in a real browser:
tests/web/test_content_security_policy.py.)"""

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from core.settings import Settings
from platform_api.http.security_headers import SecurityHeadersMiddleware, security_policy


def page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("page")


def own_policy(request: Request) -> PlainTextResponse:
    return PlainTextResponse("own", headers={"Content-Security-Policy": "default-src 'none'"})


async def headers_of(path: str, base: str = "http://testserver", **policy: object) -> httpx.Headers:
    values: dict[str, object] = {
        "frame_ancestors": [],
        "image_sources": [],
        "hsts_max_age_seconds": 600,
        "public_url": "",
        **policy,
    }
    app = Starlette(routes=[Route("/own", own_policy), Route("/{path:path}", page)])
    wrapped = SecurityHeadersMiddleware(app, security_policy(**values))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url=base) as c:
        return (await c.get(path)).headers


async def test_the_client_policy_allows_this_origin_only_and_nothing_inline() -> None:
    headers = await headers_of("/courses")
    policy = dict(part.split(" ", 1) for part in headers["content-security-policy"].split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"].startswith("'self' 'sha256-")  # react-aria's one rule, hashed
    assert "unsafe" not in headers["content-security-policy"]
    assert policy["connect-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=(self)" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # plain http, http public URL


async def test_hsts_over_https_or_behind_a_tls_proxy_and_never_when_zero() -> None:
    direct = await headers_of("/", base="https://testserver")
    assert direct["strict-transport-security"] == "max-age=600"
    proxied = await headers_of("/", public_url="https://classroom.example.org")
    assert proxied["strict-transport-security"] == "max-age=600"
    off = await headers_of("/", base="https://testserver", hsts_max_age_seconds=0)
    assert "strict-transport-security" not in off


async def test_an_lms_may_frame_the_client_when_configured() -> None:
    headers = await headers_of("/lti/x", frame_ancestors=["https://lms.example.edu"])
    assert "frame-ancestors 'self' https://lms.example.edu" in headers["content-security-policy"]
    assert "x-frame-options" not in headers  # it cannot name another origin
    images = await headers_of("/", image_sources=["https:"])
    assert "img-src 'self' data: blob: https:;" in images["content-security-policy"]


async def test_the_docs_get_their_own_policy_and_a_response_keeps_its_own() -> None:
    docs = await headers_of("/docs")
    assert "https://cdn.jsdelivr.net" in docs["content-security-policy"]
    assert "frame-ancestors 'none'" in docs["content-security-policy"]
    own = await headers_of("/own")
    assert own["content-security-policy"] == "default-src 'none'"
    assert own["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "source", ["https://lms.example.edu; script-src *", "'unsafe-inline'", "https://a b"]
)
def test_settings_refuse_a_source_that_would_change_the_policy(source: str) -> None:
    with pytest.raises(ValidationError):
        Settings(frame_ancestors=[source])
    with pytest.raises(ValidationError):
        Settings(csp_image_sources=[source])


def test_settings_accept_origins_schemes_and_wildcard_hosts() -> None:
    sources = ["https://lms.example.edu", "https://*.instructure.com", "https:", "lms.local:8443"]
    assert Settings(frame_ancestors=sources).frame_ancestors == sources
