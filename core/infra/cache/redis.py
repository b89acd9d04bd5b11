"""Redis cache and rate limiter (``redis.asyncio``); the token bucket is one atomic Lua script."""

import logging
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from core.infra.cache.base import RateDecision

logger = logging.getLogger(__name__)

# KEYS[1]: bucket hash; ARGV: capacity, period in seconds. The script reads the server clock
# (TIME), so clients with skewed clocks share one consistent bucket. Floats are returned as
# strings because Redis truncates Lua numbers to integers.
TOKEN_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local rate = capacity / period
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(state[1])
local updated_at = tonumber(state[2])
if tokens == nil or updated_at == nil then
  tokens = capacity
  updated_at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - updated_at) * rate)
local allowed = 0
local retry_after = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_after = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated_at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000) + 1000)
return {allowed, math.floor(tokens), tostring(retry_after)}
"""


MAX_CONNECTIONS = 100


def redis_client(url: str, *, socket_timeout: float | None = 5) -> Redis:
    """A client whose pool makes a burst of callers wait for a free connection (up to 5 s)
    rather than fail: redis-py's default pool raises past 100 connections in use.

    ``socket_timeout=None`` for a client that blocks on reads (a pub/sub listener)."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=5,
        socket_connect_timeout=5,
        socket_timeout=socket_timeout,
    )
    return Redis(connection_pool=pool)


class RedisCache:
    """Values in Redis under the caller's keys, with a millisecond TTL."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> "RedisCache":
        return cls(redis_client(url))

    async def get(self, key: str) -> bytes | None:
        # decode_responses is off, so replies are bytes
        return cast(bytes | None, await self._client.get(key))

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        await self._client.set(key, value, px=max(1, round(ttl_seconds * 1000)))

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        return bool(
            await self._client.set(key, value, px=max(1, round(ttl_seconds * 1000)), nx=True)
        )

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._client.delete(*keys)

    async def ping(self) -> bool:
        return await _ping(self._client)

    async def close(self) -> None:
        await self._client.aclose()


class RedisRateLimiter:
    """Token bucket per key in a Redis hash (``tokens``, ``updated_at``) that expires once idle."""

    def __init__(self, client: Redis, *, key_prefix: str = "ratelimit:") -> None:
        self._client = client
        self._key_prefix = key_prefix
        self._script = client.register_script(TOKEN_BUCKET_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, key_prefix: str = "ratelimit:") -> "RedisRateLimiter":
        return cls(redis_client(url), key_prefix=key_prefix)

    async def acquire(self, key: str, capacity: int, period_seconds: float) -> RateDecision:
        if capacity < 1 or period_seconds <= 0:
            raise ValueError("capacity must be >= 1 and period_seconds > 0")
        reply: list[Any] = await self._script(
            keys=[self._key_prefix + key], args=[capacity, repr(float(period_seconds))]
        )
        allowed, remaining, retry_after = reply
        return RateDecision(bool(allowed), int(remaining), float(retry_after))

    async def ping(self) -> bool:
        return await _ping(self._client)

    async def close(self) -> None:
        await self._client.aclose()


async def _ping(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except (RedisError, OSError) as error:
        logger.warning("Redis does not answer PING: %s", error)
        return False
