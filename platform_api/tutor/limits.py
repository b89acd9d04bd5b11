"""How much of the LLM one learner, one tenant and this process may use."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agents.tutor.settings import TutorSettings
from core.errors import RateLimited
from core.infra.cache import RateLimiter

MINUTE = 60.0
# A learner whose previous answer is still streaming is asked to wait about this long.
BUSY_RETRY_SECONDS = 2.0


class TutorLimits:
    """Message rates per learner and per tenant (shared through the rate limiter's store, so
    across API replicas with Redis), and a cap on answers streaming at once in this process:
    one per learner, ``max_concurrent_streams`` in all."""

    def __init__(self, rate_limiter: RateLimiter, settings: TutorSettings) -> None:
        self._rate_limiter = rate_limiter
        self._settings = settings
        self._streaming: set[uuid.UUID] = set()

    async def admit(self, learner_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        """Take one message from the learner's and the tenant's budgets, or raise 429."""
        for key, per_minute, who in (
            (f"tutor:learner:{learner_id}", self._settings.learner_messages_per_minute, "You"),
            (f"tutor:tenant:{tenant_id}", self._settings.tenant_messages_per_minute, "Your school"),
        ):
            decision = await self._rate_limiter.acquire(key, per_minute, MINUTE)
            if not decision.allowed:
                raise RateLimited.retry_after(
                    decision.retry_after_seconds,
                    f"{who} sent too many tutor messages; try again shortly.",
                )

    def check_free(self, learner_id: uuid.UUID) -> None:
        """Raise 429 now, before a stream starts, when ``streaming`` would refuse."""
        if learner_id in self._streaming:
            raise RateLimited.retry_after(
                BUSY_RETRY_SECONDS, "The tutor is still answering your previous message."
            )
        if len(self._streaming) >= self._settings.max_concurrent_streams:
            raise RateLimited.retry_after(
                BUSY_RETRY_SECONDS, "The tutor is answering many learners; try again shortly."
            )

    @asynccontextmanager
    async def streaming(self, learner_id: uuid.UUID) -> AsyncIterator[None]:
        """Hold one of the process's answer slots while an answer is generated."""
        self.check_free(learner_id)
        self._streaming.add(learner_id)
        try:
            yield
        finally:
            self._streaming.discard(learner_id)
