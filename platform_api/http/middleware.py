"""Pure-ASGI middleware: request ids, access logs and metrics, per-user/IP rate limits."""

import functools
import logging
import re
import secrets
import time
from collections.abc import Callable

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import RateLimited
from core.infra.cache import RateLimiter
from platform_api.http.errors import error_json
from platform_api.http.logging import request_id_var

logger = logging.getLogger("platform_api.access")

REQUESTS = Counter("wc_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "wc_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
UNMETERED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


@functools.cache
def _metrics_of(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The labelled series of one (method, route, status): ``labels()`` costs a lock and a
    tuple of label values per call, and routes and statuses are a small, fixed set."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-ID``), logs it and records its metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(16)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"]
        count, latency = _metrics_of(method, _route_template(scope), status)
        count.inc()
        latency.observe(seconds)
        if scope["path"] not in UNMETERED_PATHS:
            logger.info(
                "request",
                extra={
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                },
            )


class RateLimitMiddleware:
    """Token bucket per authenticated user, else per client IP; 429 with ``Retry-After``."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: Callable[[], RateLimiter],
        per_minute: int,
        identify: Callable[[Scope], str | None],
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.per_minute = per_minute
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNMETERED_PATHS:
            await self.app(scope, receive, send)
            return
        subject = self.identify(scope)
        client = scope.get("client")
        key = f"user:{subject}" if subject else f"ip:{client[0] if client else 'unknown'}"
        decision = await self.limiter().acquire(f"rl:api:{key}", self.per_minute, 60.0)
        if not decision.allowed:
            error = RateLimited.retry_after(
                decision.retry_after_seconds, "Too many requests; slow down."
            )
            response = error_json(
                error.status_code, error.code, error.message, error.details, error.headers
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
