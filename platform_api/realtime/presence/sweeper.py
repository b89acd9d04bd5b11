"""Announces users whose connections stopped beating: each process sweeps the classes its
connections follow (nobody else is told of the others), a third of the TTL apart."""

from core.infra.periodic import PeriodicTask
from platform_api.realtime.channels import ChannelRouter
from platform_api.realtime.fanout import FanOut
from platform_api.realtime.presence.base import Presence
from platform_api.realtime.pushes import announce_presence


def presence_sweeper(
    presence: Presence, fanout: FanOut, router: ChannelRouter, ttl_seconds: float
) -> PeriodicTask:
    async def sweep() -> None:
        for class_id in router.followed_classes():
            for user_id in await presence.expire(class_id):
                await announce_presence(fanout, class_id, user_id, online=False)

    return PeriodicTask("presence-sweeper", sweep, ttl_seconds / 3)
