"""Redis presence: one sorted set per class, member ``<user id>:<connection id>`` scored by its
last heartbeat (seconds). Each change is one Lua script, so when two processes sweep the same
class only one of them sees a user go offline. A set nobody beats into expires by itself.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from core.infra.cache.redis import redis_client

# Lua helper shared by the scripts: whether a member of user ARGV[1] beat after ARGV[2].
_USER_IS_LIVE = """
local function user_is_live(key, prefix, cutoff)
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. cutoff, '+inf')) do
    if string.sub(member, 1, #prefix) == prefix then return true end
  end
  return false
end
"""
# ARGV: user prefix, cutoff, member, now, key lifetime in ms. Returns 1 if the user came online.
BEAT_SCRIPT = (
    _USER_IS_LIVE
    + """
local was_online = user_is_live(KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if was_online then return 0 end
return 1
"""
)
# ARGV: user prefix, cutoff, member. Returns 1 if the user went offline.
LEAVE_SCRIPT = (
    _USER_IS_LIVE
    + """
if redis.call('ZREM', KEYS[1], ARGV[3]) == 0 then return 0 end
if user_is_live(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
return 1
"""
)
# ARGV: cutoff. Returns the user ids (with duplicates) of removed members now offline.
EXPIRE_SCRIPT = (
    _USER_IS_LIVE
    + """
local silent = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local gone = {}
for _, member in ipairs(silent) do
  local user = string.match(member, '^([^:]+):')
  if not user_is_live(KEYS[1], user .. ':', ARGV[1]) then table.insert(gone, user) end
end
return gone
"""
)


class RedisPresence:
    def __init__(
        self,
        client: Redis,
        ttl_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        prefix: str = "wc:presence:",
    ) -> None:
        self._client = client
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._prefix = prefix
        self._beat = client.register_script(BEAT_SCRIPT)
        self._leave = client.register_script(LEAVE_SCRIPT)
        self._expire = client.register_script(EXPIRE_SCRIPT)

    @classmethod
    def from_url(cls, url: str, ttl_seconds: float) -> "RedisPresence":
        return cls(redis_client(url), ttl_seconds)

    async def beat(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        now = self._clock()
        lifetime_ms = round(self._ttl_seconds * 2000)
        args: list[Any] = [f"{user_id}:", repr(now - self._ttl_seconds)]
        args += [f"{user_id}:{connection_id}", repr(now), lifetime_ms]
        return bool(await self._beat(keys=[self._key(class_id)], args=args))

    async def leave(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        cutoff = repr(self._clock() - self._ttl_seconds)
        args = [f"{user_id}:", cutoff, f"{user_id}:{connection_id}"]
        return bool(await self._leave(keys=[self._key(class_id)], args=args))

    async def expire(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        cutoff = repr(self._clock() - self._ttl_seconds)
        gone: list[bytes] = await self._expire(keys=[self._key(class_id)], args=[cutoff])
        return list(dict.fromkeys(uuid.UUID(user.decode()) for user in gone))

    async def online(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        cutoff = f"({self._clock() - self._ttl_seconds!r}"
        members = await self._client.zrangebyscore(self._key(class_id), cutoff, "+inf")
        return list(dict.fromkeys(uuid.UUID(_text(m).partition(":")[0]) for m in members))

    async def close(self) -> None:
        await self._client.aclose()

    def _key(self, class_id: uuid.UUID) -> str:
        return self._prefix + str(class_id)


def _text(member: object) -> str:
    return member.decode() if isinstance(member, bytes) else str(member)
