"""Fan-out of pushed frames to every API process: in-process (embedded) or Redis pub/sub."""

from platform_api.realtime.fanout.base import Deliver, FanOut, Replay

__all__ = ["Deliver", "FanOut", "Replay"]
