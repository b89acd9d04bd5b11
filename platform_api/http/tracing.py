"""The server span of each HTTP request: the root of the trace the request's work nests under.

A request that arrives with a W3C ``traceparent`` header (from a browser, a gateway or another
service) continues that trace. The span is named ``METHOD /route/{template}`` once routing has
matched (the path itself would make one name per id). It is the outermost middleware, so the
access log line of the request carries its trace id. Off when tracing is off.
"""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.tracing import SpanKind, context_of, span, tracing_enabled

UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not tracing_enabled() or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        attributes = {
            "http.request.method": method,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
        }
        parent = context_of(Headers(scope=scope))
        with span(method, kind=SpanKind.SERVER, attributes=attributes, parent=parent) as server:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    server.set_attribute("http.response.status_code", message["status"])
                    # Set by the request-context middleware inside this one.
                    request_id = MutableHeaders(scope=message).get("x-request-id")
                    if request_id:
                        server.set_attribute("wc.request_id", request_id)
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                if (route := getattr(scope.get("route"), "path", None)) is not None:
                    server.set_attribute("http.route", route)
                    server.update_name(f"{method} {route}")
