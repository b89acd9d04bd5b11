"""In-process cache and token-bucket rate limiter (single node; state is lost on restart)."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.infra.cache.base import RateDecision

Clock = Callable[[], float]


class MemoryCache:
    """A dict of values with expiry times on the monotonic clock.

    Expired entries are dropped when read, and swept when the dict grows past ``sweep_threshold``.
    """

    def __init__(self, *, clock: Clock = time.monotonic, sweep_threshold: int = 10_000) -> None:
        self._clock = clock
        self._sweep_threshold = sweep_threshold
        self._entries: dict[str, tuple[float, bytes]] = {}

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= self._clock():
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if len(self._entries) >= self._sweep_threshold:
            self._sweep()
        self._entries[key] = (self._clock() + ttl_seconds, value)

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl_seconds)
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._entries.clear()

    def _sweep(self) -> None:
        now = self._clock()
        expired = [key for key, (expires_at, _) in self._entries.items() if expires_at <= now]
        for key in expired:
            del self._entries[key]


@dataclass
class _Bucket:
    tokens: float
    updated_at: float
    period_seconds: float


class MemoryRateLimiter:
    """Token bucket per key, refilled continuously at ``capacity / period_seconds`` tokens/s."""

    def __init__(self, *, clock: Clock = time.monotonic, sweep_threshold: int = 10_000) -> None:
        self._clock = clock
        self._sweep_threshold = sweep_threshold
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, key: str, capacity: int, period_seconds: float) -> RateDecision:
        if capacity < 1 or period_seconds <= 0:
            raise ValueError("capacity must be >= 1 and period_seconds > 0")
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._sweep_threshold:
                self._sweep(now)
            bucket = self._buckets[key] = _Bucket(capacity, now, period_seconds)
        rate = capacity / period_seconds
        bucket.tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.updated_at) * rate)
        bucket.updated_at = now
        bucket.period_seconds = period_seconds
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return RateDecision(True, math.floor(bucket.tokens), 0.0)
        return RateDecision(False, 0, (1 - bucket.tokens) / rate)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._buckets.clear()

    def _sweep(self, now: float) -> None:
        """Forget buckets idle for a whole period: they are full again, as a new bucket would be."""
        idle = [key for key, b in self._buckets.items() if now - b.updated_at >= b.period_seconds]
        for key in idle:
            del self._buckets[key]
