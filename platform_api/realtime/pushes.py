"""Frames the platform pushes on channels besides chat: presence changes and events for a user."""

import uuid
from typing import Any

from platform_api.realtime.channels import class_channel, user_channel
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout import FanOut


async def announce_presence(
    fanout: FanOut,
    class_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    online: bool,
    display_name: str | None = None,
) -> None:
    """A ``presence`` frame to the class: the user came online (with their name) or left."""
    channel = class_channel(class_id)
    frame: dict[str, Any] = {
        "type": "presence",
        "channel": channel,
        "user_id": str(user_id),
        "online": online,
    }
    if display_name is not None:
        frame["display_name"] = display_name
    await fanout.publish(channel, frame)


async def push_to_user(
    fanout: FanOut, user_id: uuid.UUID, frame_type: str, data: dict[str, Any]
) -> EventId:
    """A frame on the user's own channel, to each of their connections on any process."""
    channel = user_channel(user_id)
    return await fanout.publish(channel, {"type": frame_type, "channel": channel, **data})
