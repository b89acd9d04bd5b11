"""The proctor deployment's autoscaling policy: replicas for the live sessions, one more once
they are full (Serve applies the bounds and delays)."""

from ray.serve._private.common import DeploymentID, ReplicaID
from ray.serve.config import AutoscalingConfig, AutoscalingContext

from serving.app import PROCTOR_APP_NAME
from serving.proctoring.scaling import LIVE_SESSIONS_METRIC, LiveSessionsPolicy

DEPLOYMENT = DeploymentID(name="ProctorHost", app_name=PROCTOR_APP_NAME)


def _context(sessions_per_replica: list[float]) -> AutoscalingContext:
    replicas = [ReplicaID(f"r{index}", DEPLOYMENT) for index in range(len(sessions_per_replica))]
    return AutoscalingContext(
        deployment_id=DEPLOYMENT,
        deployment_name=DEPLOYMENT.name,
        app_name=DEPLOYMENT.app_name,
        current_num_replicas=len(replicas),
        target_num_replicas=len(replicas),
        running_replicas=replicas,
        total_num_requests=0.0,  # sessions are not requests: a live exam makes almost none
        total_queued_requests=0.0,
        aggregated_metrics={
            LIVE_SESSIONS_METRIC: dict(zip(replicas, sessions_per_replica, strict=True))
        },
        raw_metrics={},
        capacity_adjusted_min_replicas=1,
        capacity_adjusted_max_replicas=10,
        policy_state={},
        last_scale_up_time=None,
        last_scale_down_time=None,
        current_time=None,
        config=AutoscalingConfig(min_replicas=1, max_replicas=10),
    )


def test_replicas_follow_the_live_sessions() -> None:
    policy = LiveSessionsPolicy(sessions_per_replica=6)

    assert policy(_context([0.0]))[0] == 1, "room for the first sessions"
    assert policy(_context([4.0]))[0] == 1
    assert policy(_context([6.0]))[0] == 2, "full: one more for the next sessions"
    assert policy(_context([6.0, 5.0]))[0] == 2
    assert policy(_context([8.0, 8.0, 3.0]))[0] == 4
    assert policy(_context([1.0, 0.0, 0.0]))[0] == 1, "fewer sessions: fewer replicas"
