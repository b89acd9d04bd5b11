"""The content graph's ports on the real stores: retrieval over the course's lesson text and
glossary, the evidence scorer, the configured embedder, the course's existing items (the duplicate
check compares against them). Content jobs and the generation eval suite run the graph on these
same ports."""

import asyncio
import uuid
from collections.abc import Collection, Sequence

import numpy as np
from sqlalchemy import select

from agents.content.structured import Definition, ReviewQuestion
from core.curriculum.models import AssessmentItem, ItemKind, Lesson
from core.infra.database import Database
from graphs.content_gen.ports import Passage
from rag.chunking import split_definition
from rag.embeddings import Embedder
from rag.evidence import Attribution, ClaimCheck, EvidenceScorer, Ranking
from rag.retrieve import search
from rag.settings import RagSettings


def keyed(item: AssessmentItem, lesson_title: str, similarity: float) -> ReviewQuestion | None:
    """An imported multiple-choice exercise as a review question, when its key names an option."""
    labels = [str(option.get("label", "")).lower() for option in item.options or []]
    answer = (item.answer or "").strip().lower()
    if answer not in labels:
        return None
    options = [str(option.get("text", "")) for option in item.options]
    return ReviewQuestion(
        str(item.id), item.prompt, options, labels.index(answer), lesson_title, similarity
    )


class DatabaseContentPorts:
    """``ContentPorts`` over PostgreSQL + pgvector; item prompts' and objectives' vectors are
    cached by text."""

    def __init__(
        self,
        database: Database,
        embedder: Embedder,
        rag_settings: RagSettings,
        evidence: EvidenceScorer | None = None,
    ) -> None:
        self._database = database
        self._embedder = embedder
        self._rag_settings = rag_settings
        self._evidence = evidence or EvidenceScorer(database, embedder, rag_settings=rag_settings)
        # Vectors of the course's item prompts and stated objectives, by text.
        self._text_vectors: dict[str, np.ndarray] = {}
        # Topics generated side by side would otherwise all embed the same texts at once.
        self._embedding_texts = asyncio.Lock()

    async def sources(self, course_id: uuid.UUID, query: str, k: int) -> list[Passage]:
        hits = await search(
            self._database,
            query,
            [course_id],
            k,
            kinds=["text"],
            embedder=self._embedder,
            settings=self._rag_settings,
        )
        return [
            Passage(
                lesson_id=hit.lesson_id,
                title=hit.lesson_title,
                text=hit.text,
                similarity=hit.similarity,
            )
            for hit in hits
        ]

    async def definitions(self, course_id: uuid.UUID, query: str, k: int) -> list[Definition]:
        hits = await search(
            self._database,
            query,
            [course_id],
            k,
            kinds=["definition"],
            embedder=self._embedder,
            settings=self._rag_settings,
        )
        found = []
        for hit in hits:
            if parts := split_definition(hit.text):
                term, meaning = parts
                found.append(
                    Definition(term, meaning, hit.lesson_title, hit.chapter_title, hit.similarity)
                )
        return found

    async def book_objectives(
        self, course_id: uuid.UUID, query: str, k: int
    ) -> list[tuple[str, float]]:
        async with self._database.session() as session:
            stated = await session.scalars(
                select(Lesson.objectives).where(Lesson.course_id == course_id)
            )
            texts = list(dict.fromkeys(text for found in stated for text in found or []))
        if not texts:
            return []
        vectors = await self._vectors(texts)
        query_vector = (await self.embed([query]))[0]
        similarity = vectors @ query_vector
        nearest = np.argsort(-similarity)[:k]
        return [(texts[i], float(similarity[i])) for i in nearest]

    async def review_questions(
        self, course_id: uuid.UUID, query: str, k: int
    ) -> list[ReviewQuestion]:
        hits = await search(
            self._database,
            query,
            [course_id],
            k,
            kinds=["exercise"],
            embedder=self._embedder,
            settings=self._rag_settings,
        )
        similarity = {hit.item_id: hit.similarity for hit in hits if hit.item_id}
        async with self._database.session() as session:
            rows = await session.execute(
                select(AssessmentItem, Lesson.title)
                .join(Lesson, Lesson.id == AssessmentItem.lesson_id)
                .where(
                    AssessmentItem.id.in_(list(similarity)),
                    AssessmentItem.kind == ItemKind.MULTIPLE_CHOICE,
                    AssessmentItem.source_key.is_not(None),  # imported with the book
                )
            )
            found = [keyed(item, title, similarity[item.id]) for item, title in rows]
        questions = [question for question in found if question is not None]
        return sorted(questions, key=lambda question: -question.similarity)

    async def rank(self, question: str, options: Sequence[str], course_id: uuid.UUID) -> Ranking:
        return await self._evidence.rank(question, options, [course_id])

    async def check_claims(
        self, question: str, claims: Sequence[str], course_id: uuid.UUID
    ) -> ClaimCheck:
        return await self._evidence.check_claims(question, claims, [course_id])

    async def attribute(
        self, question: str, claims: Sequence[str], passages: Sequence[str], course_id: uuid.UUID
    ) -> list[Attribution]:
        return await self._evidence.attribute(question, claims, passages, [course_id])

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return await self._embedder.encode(texts)

    async def course_item_vectors(
        self, course_id: uuid.UUID, excluding: Collection[str] = ()
    ) -> np.ndarray:
        async with self._database.session() as session:
            stored = await session.scalars(
                select(AssessmentItem.prompt).where(AssessmentItem.course_id == course_id)
            )
            prompts = [prompt for prompt in stored if prompt not in excluding]
        if not prompts:
            return np.zeros((0, self._embedder.dimensions), dtype=np.float32)
        return await self._vectors(prompts)

    async def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors, each text embedded once per ports object."""
        async with self._embedding_texts:
            missing = [t for t in dict.fromkeys(texts) if t not in self._text_vectors]
            if missing:
                for text, vector in zip(missing, await self.embed(missing), strict=True):
                    self._text_vectors[text] = vector
        return np.stack([self._text_vectors[t] for t in texts])
