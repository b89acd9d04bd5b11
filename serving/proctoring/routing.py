"""Routing of the proctor deployment's calls: a session's calls go to the replica that hosts it,
a new session to the replica hosting the fewest.

Ray Serve routes each call on its own (power of two choices by queue length), but a session's
peer lives in one process for the whole sitting. Calls about a session carry its ``host`` (the
replica id its open returned) as a keyword argument, which this router reads; a host that is
gone is answered by any replica, which reports the session lost.
"""

import random
from collections.abc import Sequence
from typing import Any

from ray.serve.request_router import PendingRequest, RequestRouter, RunningReplica

HOST_ARGUMENT = "host"
SESSIONS_STAT = "sessions"  # what ``ProctorHost.record_routing_stats`` reports


def _hosted_sessions(replica: RunningReplica) -> int:
    stats: dict[str, Any] = replica.routing_stats or {}
    return int(stats.get(SESSIONS_STAT, 0))


def least_loaded_first(replicas: Sequence[RunningReplica]) -> list[list[RunningReplica]]:
    """Ranks of replicas by the sessions they host, fewest first (ties in random order, so that
    routers whose stats are equally stale do not all pick the same replica)."""
    shuffled = random.sample(list(replicas), len(replicas))
    return [[replica] for replica in sorted(shuffled, key=_hosted_sessions)]


class SessionAffinityRouter(RequestRouter):
    """Not FIFO: Serve's FIFO mixin hands a chosen replica to whichever request waits longest,
    which would send one session's call to another session's host."""

    def initialize_state(self, **kwargs: Any) -> None:
        """No state: the replica list and their routing stats are kept by the base class."""

    async def choose_replicas(
        self,
        candidate_replicas: list[RunningReplica],
        pending_request: PendingRequest | None = None,
    ) -> list[list[RunningReplica]]:
        if not candidate_replicas:
            return []
        if pending_request is None:
            return [candidate_replicas]
        # Back off between rounds when every candidate is full (else the base loop spins).
        pending_request.routing_context.should_backoff = True
        host = pending_request.kwargs.get(HOST_ARGUMENT)
        if host is None:
            return least_loaded_first(candidate_replicas)
        hosting = [r for r in candidate_replicas if r.replica_id.unique_id == host]
        return [hosting or candidate_replicas]
