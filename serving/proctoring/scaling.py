"""Autoscaling of the proctor deployment by the sessions its replicas host (not by requests: a
session is a handful of short calls spread over an exam, while its analysis runs all along)."""

import math
from typing import Any

from ray.serve.config import AutoscalingContext

LIVE_SESSIONS_METRIC = "live_sessions"  # what ``ProctorHost.record_autoscaling_stats`` reports


class LiveSessionsPolicy:
    """Replicas for the live sessions at ``sessions_per_replica`` each, plus one with room for
    the next sessions once the others are full. Serve applies the configured bounds and the
    up/down-scaling delays to the result; the down-scaling delay should outlast an exam, since
    Serve may stop any replica, also one still hosting sessions."""

    def __init__(self, sessions_per_replica: int) -> None:
        self._sessions_per_replica = sessions_per_replica

    def __call__(self, ctx: AutoscalingContext) -> tuple[int, dict[str, Any]]:
        per_replica = (ctx.aggregated_metrics or {}).get(LIVE_SESSIONS_METRIC, {})
        sessions = sum(per_replica.values())
        needed = math.ceil(sessions / self._sessions_per_replica)
        full = sessions >= needed * self._sessions_per_replica
        return needed + (1 if full else 0), {}
