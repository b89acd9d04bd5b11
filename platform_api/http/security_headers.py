"""Security headers on every HTTP response: CSP, HSTS, nosniff, referrer and framing rules.

The web client is built by Vite into files (no inline script; one inline style rule, allowed by
its hash), so its policy can be strict: scripts, styles, fonts and connections from this origin
alone (WebSockets and the SSE stream included: CSP's ``'self'`` covers ``ws:``/``wss:`` of the
same host). What a deployment
must widen is configuration: the LMS origins that may frame the client (LTI launches open it in
an iframe) and the hosts lessons may show images from.
"""

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The one style element the client's code inserts itself: react-aria's usePress (the
# react-aria-components buttons) adds this rule to <head> at run time. It is allowed by its hash
# (the browser test fails when an upgrade changes it: add the new text here).
CLIENT_INLINE_STYLES = (
    "@layer {\n  [data-react-aria-pressable] {\n    touch-action: pan-x pan-y pinch-zoom;\n  }\n}",
)
# FastAPI's interactive docs load Swagger UI / ReDoc from jsDelivr and start them with an inline
# script: they get a policy of their own instead of loosening the client's.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_SAMPLE = "/docs"
DOCS_CDN = "https://cdn.jsdelivr.net"


@dataclass(frozen=True)
class SecurityPolicy:
    """What the deployment allows beyond this origin (from ``Settings``)."""

    frame_ancestors: tuple[str, ...] = ()
    image_sources: tuple[str, ...] = ()
    hsts_max_age_seconds: int = 31_536_000
    https_public_url: bool = False

    def content_security_policy(self) -> str:
        """The web client's policy: everything from this origin, nothing inline."""
        images = " ".join(("'self'", "data:", "blob:", *self.image_sources))
        return "; ".join(
            (
                "default-src 'self'",
                "script-src 'self'",
                " ".join(("style-src 'self'", *map(_hash_source, CLIENT_INLINE_STYLES))),
                f"img-src {images}",
                "font-src 'self' data:",
                "connect-src 'self'",
                # The exam page previews the webcam from a MediaStream, never from a URL.
                "media-src 'self' blob:",
                "worker-src 'self'",
                "manifest-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                self._frame_ancestors(),
            )
        )

    def docs_policy(self) -> str:
        """The interactive API docs: Swagger UI and ReDoc from their CDN, started inline."""
        return "; ".join(
            (
                "default-src 'self'",
                f"script-src 'self' 'unsafe-inline' {DOCS_CDN}",
                f"style-src 'self' 'unsafe-inline' {DOCS_CDN}",
                "img-src 'self' data: https://fastapi.tiangolo.com",
                "worker-src 'self' blob:",
                "object-src 'none'",
                "base-uri 'self'",
                "frame-ancestors 'none'",
            )
        )

    def _frame_ancestors(self) -> str:
        return " ".join(("frame-ancestors 'self'", *self.frame_ancestors))

    def headers(self, path: str, https: bool) -> dict[str, str]:
        """The headers one response gets (before any it set itself)."""
        docs = path in DOCS_PATHS
        headers = {
            "content-security-policy": self.docs_policy()
            if docs
            else self.content_security_policy(),
            "x-content-type-options": "nosniff",
            # Same-origin requests keep their referrer; nothing leaks to an LMS or image host.
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=()",
        }
        if not self.frame_ancestors:  # X-Frame-Options cannot name other origins
            headers["x-frame-options"] = "SAMEORIGIN"
        if self.hsts_max_age_seconds and (https or self.https_public_url):
            headers["strict-transport-security"] = f"max-age={self.hsts_max_age_seconds}"
        return headers


def _hash_source(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def security_policy(
    frame_ancestors: Iterable[str],
    image_sources: Iterable[str],
    hsts_max_age_seconds: int,
    public_url: str,
) -> SecurityPolicy:
    """The deployment's policy; HSTS also when TLS ends at a proxy and the public URL is https."""
    return SecurityPolicy(
        frame_ancestors=tuple(frame_ancestors),
        image_sources=tuple(image_sources),
        hsts_max_age_seconds=hsts_max_age_seconds,
        https_public_url=public_url.lower().startswith("https://"),
    )


class SecurityHeadersMiddleware:
    """Adds the policy's headers to every HTTP response that did not set them itself.

    The policy is fixed for the process, so its four header sets (docs or not, https or not)
    are encoded once: building and hashing the CSP per response cost more than the cached lesson
    GET it was added to (bench/api.py).
    """

    def __init__(self, app: ASGIApp, policy: SecurityPolicy) -> None:
        self.app = app
        self._encoded = {
            (docs, https): [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in policy.headers(DOCS_SAMPLE if docs else "/", https).items()
            ]
            for docs in (False, True)
            for https in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._encoded[scope["path"] in DOCS_PATHS, scope.get("scheme") == "https"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                message["headers"] = raw + [h for h in extra if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
