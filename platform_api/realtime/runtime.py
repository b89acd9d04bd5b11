"""The hub's parts for one API process, built from settings: Redis fan-out and presence when
``WC_REDIS_URL`` is set (several processes behave as one), in-process ones otherwise."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from core.infra.cache import RateLimiter
from core.infra.periodic import PeriodicTask
from core.settings import Settings
from platform_api.realtime.channels import ChannelRouter
from platform_api.realtime.chat.service import ChatPosting
from platform_api.realtime.fanout import FanOut
from platform_api.realtime.presence import Presence
from platform_api.realtime.presence.sweeper import presence_sweeper


@dataclass
class Realtime:
    settings: Settings
    fanout: FanOut
    presence: Presence
    router: ChannelRouter
    sweeper: PeriodicTask
    posting: ChatPosting

    @property
    def heartbeat_seconds(self) -> float:
        """How often clients beat: three beats fit in the presence TTL."""
        return self.settings.realtime_presence_ttl_seconds / 3

    async def close(self) -> None:
        await self.sweeper.stop()
        await self.fanout.close()
        await self.presence.close()


def build_fanout_and_presence(settings: Settings) -> tuple[FanOut, Presence]:
    history = (settings.realtime_history_frames, settings.realtime_history_seconds)
    ttl = settings.realtime_presence_ttl_seconds
    if settings.redis_url:
        from platform_api.realtime.fanout.redis import RedisFanOut
        from platform_api.realtime.presence.redis import RedisPresence

        return RedisFanOut.from_url(settings.redis_url, *history), RedisPresence.from_url(
            settings.redis_url, ttl
        )
    from platform_api.realtime.fanout.memory import InProcessFanOut
    from platform_api.realtime.presence.memory import MemoryPresence

    return InProcessFanOut(*history), MemoryPresence(ttl)


async def open_realtime(settings: Settings, rate_limiter: RateLimiter) -> Realtime:
    fanout, presence = build_fanout_and_presence(settings)
    router = ChannelRouter()
    await fanout.start(router.deliver)
    sweeper = presence_sweeper(presence, fanout, router, settings.realtime_presence_ttl_seconds)
    sweeper.start()
    posting = ChatPosting(fanout, rate_limiter, settings.realtime_chat_messages_per_minute)
    return Realtime(settings, fanout, presence, router, sweeper, posting)


def get_realtime(request: Request) -> Realtime:
    realtime: Realtime = request.app.state.realtime
    return realtime


RealtimeDep = Annotated[Realtime, Depends(get_realtime)]
