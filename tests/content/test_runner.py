"""The runner's account of what a restarted worker lost (pure: no Ray, no database)."""

import asyncio
import uuid

from platform_api.content.runner import InFlight, Ping, lost_to_restart
from platform_api.content.store import Claim


def sent(worker: int, at: float) -> InFlight:
    return InFlight(Claim(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()), None, worker, at)


async def test_a_restarted_worker_lost_what_it_held_before_its_new_process_answered() -> None:
    held_before = sent(0, at=10.0)
    queued_after = sent(0, at=20.0)
    other_worker = sent(1, at=10.0)
    ping = Ping(worker=0, sent_at=15.0, answer=asyncio.get_running_loop().create_future())

    lost = lost_to_restart([held_before, queued_after, other_worker], ping)

    assert lost == [held_before]
