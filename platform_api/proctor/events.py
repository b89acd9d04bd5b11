"""Events the proctoring domain consumes: a sitting's proctoring session ends with the sitting."""

import uuid

from core.infra.bus import Event
from core.infra.database import utcnow
from platform_api.assessments.events import SITTING_SUBMITTED
from platform_api.proctor.runtime import Proctoring
from platform_api.proctor.sessions import end_with_sitting
from platform_api.wiring import Stores

SESSION_ENDER = "proctor.sessions"


async def subscribe_session_ends(stores: Stores, proctoring: Proctoring) -> None:
    """Submitted or closed at its deadline, a sitting ends its proctoring session, which stores
    the final timeline."""

    async def end(event: Event) -> None:
        async with stores.database.session() as session:
            sitting_id = uuid.UUID(event.payload["sitting_id"])
            await end_with_sitting(session, proctoring, sitting_id, utcnow())

    await stores.bus.subscribe(SESSION_ENDER, [SITTING_SUBMITTED], end)
