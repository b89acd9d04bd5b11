"""The cache and rate-limiter interfaces."""

from dataclasses import dataclass
from typing import Protocol


class Cache(Protocol):
    """Bytes by key with a time to live."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        """Set the key only if it holds nothing; whether it did (Redis ``SET NX``)."""
        ...

    async def delete(self, *keys: str) -> None: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after_seconds: float


class RateLimiter(Protocol):
    """Token bucket per key: ``capacity`` tokens, refilled evenly over ``period_seconds``."""

    async def acquire(self, key: str, capacity: int, period_seconds: float) -> RateDecision: ...

    async def close(self) -> None: ...
