"""One HTTP client for every webhook POST: the target checked on the address it connects to,
no redirects followed, no proxy from the environment, the receiver's body never read."""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from platform_api.webhooks.targets import IpNetwork, WebhookTargetRefused, resolve_target

USER_AGENT = "WaterClassroom-Webhooks/1"
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    def __init__(
        self, allowed_networks: Sequence[IpNetwork], timeout_seconds: float, max_connections: int
    ) -> None:
        self._allowed = list(allowed_networks)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=64)
        self._http = httpx.AsyncClient(
            timeout=timeout_seconds, follow_redirects=False, trust_env=False, limits=limits
        )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
        """POST ``body``; any 2xx succeeds, anything else (a 3xx included) fails."""
        started = time.perf_counter()
        try:
            target = await resolve_target(url, self._allowed)
            request = self._http.build_request(
                "POST",
                target.url,
                content=body,
                headers={**headers, "Host": target.host_header, "User-Agent": USER_AGENT},
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
            )
            response = await self._http.send(request, stream=True)
            await response.aclose()
        except (WebhookTargetRefused, httpx.HTTPError) as error:
            message = error.message if isinstance(error, WebhookTargetRefused) else repr(error)
            return AttemptResult(None, _since(started), message[:MAX_ERROR_LENGTH])
        error_text = None if response.is_success else f"HTTP {response.status_code}"
        return AttemptResult(response.status_code, _since(started), error_text)

    async def close(self) -> None:
        await self._http.aclose()


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
