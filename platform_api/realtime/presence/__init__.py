"""Who in a class is online: connections beat, and a user is online while one of theirs is fresh."""

from platform_api.realtime.presence.base import Presence

__all__ = ["Presence"]
