"""The content graph's ports for the suite: the course's lesson text through ``rag``'s search, the
bundled embedder, and the course's existing items (the duplicate check compares against them).

The platform's ports (``platform_api.content.sources``) do the same over the same stores; evals
may not import the platform, so the suite reads the stores itself, the same way.
"""

import asyncio
import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select

from core.curriculum.models import AssessmentItem
from core.infra.database import Database
from graphs.content_gen.ports import Passage
from rag.embeddings import Embedder
from rag.retrieve import search
from rag.settings import RagSettings

# Lesson text only, as the platform retrieves sources: an exercise and its worked solution are
# not material to write a lesson from.
SOURCE_KINDS = ("text",)


class EvalContentPorts:
    """``ContentPorts`` over the course database; one instance serves every topic of a run, so
    the course's item vectors are embedded once per course."""

    def __init__(self, database: Database, embedder: Embedder, rag_settings: RagSettings) -> None:
        self._database = database
        self._embedder = embedder
        self._rag_settings = rag_settings
        self._item_vectors: dict[uuid.UUID, np.ndarray] = {}
        # Topics run side by side: the first to ask embeds a course's items, the others wait.
        self._embedding_items = asyncio.Lock()

    async def sources(self, course_id: uuid.UUID, query: str, k: int) -> list[Passage]:
        hits = await search(
            self._database,
            query,
            [course_id],
            k,
            kinds=SOURCE_KINDS,
            embedder=self._embedder,
            settings=self._rag_settings,
        )
        return [
            Passage(
                lesson_id=h.lesson_id, title=h.lesson_title, text=h.text, similarity=h.similarity
            )
            for h in hits
        ]

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return await self._embedder.encode(texts)

    async def course_item_vectors(self, course_id: uuid.UUID) -> np.ndarray:
        async with self._embedding_items:
            if course_id not in self._item_vectors:
                async with self._database.session() as session:
                    prompts = list(
                        await session.scalars(
                            select(AssessmentItem.prompt)
                            .where(AssessmentItem.course_id == course_id)
                            .distinct()
                        )
                    )
                self._item_vectors[course_id] = await self.embed(prompts)
            return self._item_vectors[course_id]
