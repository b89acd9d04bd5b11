"""Embedding on Ray: actors that each load the model once and turn batches of lessons into chunk
rows, and the pool the refresh hands batches to (the driver alone writes to PostgreSQL, so the
workers need no database access on a cluster).
"""

import asyncio
import logging
import math
from collections.abc import AsyncGenerator
from typing import Any

from rag.chunking import LessonContent
from serving.ray_runtime import start_ray

logger = logging.getLogger(__name__)


class ChunkEmbedder:
    """A Ray actor: one embedding model per worker process; lessons in, chunk rows out. Its
    precision is ``auto``, decided by the CPU of the node it runs on."""

    def __init__(self, model: str, batch_size: int, max_tokens: int) -> None:
        from core import boot  # noqa: F401  (offline switches before the model loads)
        from rag.embeddings import Embedder

        self._embedder = Embedder(model, batch_size=batch_size)
        self._max_tokens = max_tokens

    def dimensions(self) -> int:
        return self._embedder.dimensions

    def embed(self, lessons: list[LessonContent]) -> list[dict[str, Any]]:
        from rag.ingest import chunk_and_embed

        return chunk_and_embed(lessons, self._embedder, self._max_tokens)


class RayEmbeddingPool:
    """``workers`` ChunkEmbedder actors, started on first use; each call goes to the actor with
    the fewest batches in flight. Used as ``rag.ingest.sync_lessons``' embedding function."""

    def __init__(
        self,
        model: str,
        *,
        batch_size: int,
        max_tokens: int,
        workers: int,
        cpus_per_worker: float,
        ray_address: str,
    ) -> None:
        self.model = model
        self.workers = workers
        self._arguments = (model, batch_size, max_tokens)
        self._cpus = cpus_per_worker
        self._ray_address = ray_address
        self._actors: list[Any] = []
        self._in_flight: list[int] = []
        self._starting = asyncio.Lock()

    @property
    def concurrency(self) -> int:
        """Batches to keep in flight: two per actor, so none waits for the driver's writes."""
        return 2 * self.workers

    async def dimensions(self) -> int:
        actor = await self._actor()
        try:
            return int(await actor.dimensions.remote())
        finally:
            self._in_flight[self._actors.index(actor)] -= 1

    async def __call__(
        self, lessons: list[LessonContent]
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The batch's rows in one piece, from the least busy actor."""
        actor = await self._actor()
        try:
            rows: list[dict[str, Any]] = await actor.embed.remote(lessons)
        finally:
            self._in_flight[self._actors.index(actor)] -= 1
        yield rows

    async def _actor(self) -> Any:
        async with self._starting:
            if not self._actors:
                # In this thread, not a worker thread: a local Ray's processes are bound to the
                # thread that starts them (prctl PDEATHSIG), and a worker thread of this run's
                # event loop ends with the run, which would take Ray down for the next run in
                # this process. Blocking the loop meanwhile delays only batches waiting for it.
                self._start()
        chosen = min(range(len(self._actors)), key=self._in_flight.__getitem__)
        self._in_flight[chosen] += 1
        return self._actors[chosen]

    def _start(self) -> None:
        # A local Ray sized to the actors: it starts (and keeps warm) one worker process per
        # logical CPU, and on a small machine the spare ones only compete with the embedding.
        start_ray(self._ray_address, num_cpus=math.ceil(self.workers * self._cpus))
        import ray  # after start_ray: a local Ray's loopback switch is read at import

        # A worker that dies is replaced and its batch sent again: embedding has no side effect.
        actor = ray.remote(ChunkEmbedder).options(
            num_cpus=self._cpus, max_restarts=1, max_task_retries=1
        )
        self._actors = [actor.remote(*self._arguments) for _ in range(self.workers)]
        self._in_flight = [0] * self.workers
        logger.info(
            "embedding workers started", extra={"workers": self.workers, "model": self.model}
        )

    def stop(self) -> None:
        if not self._actors:
            return
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._in_flight = [], []
