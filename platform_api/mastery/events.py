"""The mastery consumer: every graded answer updates the learner's mastery of its objective.

Idempotent (``core.infra.outbox.idempotent``): the processed mark and the new state commit
together. The state is recomputed from the learner's ordered, graded history (see
``service``), so a redelivered event, or events arriving out of order, give the same state.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.outbox import idempotent
from platform_api.assessments.events import ANSWER_GRADED, AnswerGraded
from platform_api.mastery.service import apply_graded_answer
from platform_api.mastery.settings import MasterySettings

CONSUMER = "mastery.tracing"


async def subscribe_mastery(
    bus: EventBus, database: Database, settings: MasterySettings | None = None
) -> None:
    settings = settings or MasterySettings()

    async def trace(session: AsyncSession, event: Event) -> None:
        await apply_graded_answer(session, AnswerGraded.model_validate(event.payload), settings)

    await bus.subscribe(CONSUMER, [ANSWER_GRADED], idempotent(database, CONSUMER, trace))
