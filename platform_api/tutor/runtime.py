"""Builds the tutor of one API process: memory, graph, limits, and the erasure consumer."""

import uuid

from agents.tutor.settings import TutorSettings
from core.infra.bus import Event, EventBus
from graphs.tutor_chat.graph import build_tutor_graph
from graphs.tutor_chat.ports import TutorDeps
from platform_api.tutor.limits import TutorLimits
from platform_api.tutor.memory import TutorMemory
from platform_api.tutor.ports import PlatformTutorPorts
from platform_api.tutor.service import TutorService
from platform_api.users.service import USER_ERASED
from platform_api.wiring import Stores
from rag.embeddings import Embedder
from rag.settings import RagSettings

ERASURE_CONSUMER = "tutor.memory"


async def open_tutor(
    stores: Stores,
    embedder: Embedder,
    rag_settings: RagSettings,
    settings: TutorSettings | None = None,
) -> TutorService:
    settings = settings or TutorSettings()
    memory = TutorMemory(stores.database.url)
    await memory.open()
    ports = PlatformTutorPorts(
        stores.database, embedder, rag_settings, stores.settings.coppa_minimum_age
    )
    graph = build_tutor_graph(TutorDeps(ports, stores.llm, settings), memory.saver)
    limits = TutorLimits(stores.rate_limiter, settings)
    await subscribe_erasure(stores.bus, memory)
    return TutorService(stores.database, memory, graph, limits, stores.llm.model)


async def subscribe_erasure(bus: EventBus, memory: TutorMemory) -> None:
    """An erased user's conversations go with them (their session rows cascade in the same
    transaction as the account; the checkpointed threads are found by their id prefix)."""

    async def forget(event: Event) -> None:
        await memory.forget_learner(uuid.UUID(event.payload["user_id"]))

    await bus.subscribe(ERASURE_CONSUMER, [USER_ERASED], forget)
