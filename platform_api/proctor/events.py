"""Events the proctoring domain consumes: a sitting's proctoring session ends with the sitting,
and an erased account's biometric objects and hosted sessions go with it."""

import uuid

from core.infra.bus import Event
from core.infra.database import utcnow
from platform_api.assessments.events import SITTING_SUBMITTED
from platform_api.proctor.privacy.erasure import LearnerBiometrics, erase_biometrics
from platform_api.proctor.runtime import Proctoring
from platform_api.proctor.sessions import end_with_sitting
from platform_api.users.service import USER_ERASED
from platform_api.wiring import Stores

SESSION_ENDER = "proctor.sessions"
BIOMETRIC_ERASER = "proctor.erasure"


async def subscribe_session_ends(stores: Stores, proctoring: Proctoring) -> None:
    """Submitted or closed at its deadline, a sitting ends its proctoring session, which stores
    the final timeline."""

    async def end(event: Event) -> None:
        async with stores.database.session() as session:
            sitting_id = uuid.UUID(event.payload["sitting_id"])
            await end_with_sitting(session, proctoring, sitting_id, utcnow())

    await stores.bus.subscribe(SESSION_ENDER, [SITTING_SUBMITTED], end)


async def subscribe_biometric_erasure(stores: Stores, proctoring: Proctoring) -> None:
    """On ``user.erased``: close the learner's hosted sessions and delete their biometric
    objects (idempotent: a redelivery finds nothing more to delete)."""

    async def erase(event: Event) -> None:
        named = event.payload.get("biometrics")
        if named is not None:  # events written before erasure named them carry none
            biometrics = LearnerBiometrics.model_validate(named)
            await erase_biometrics(stores.objects, proctoring.client, biometrics)

    await stores.bus.subscribe(BIOMETRIC_ERASER, [USER_ERASED], erase)
