"""What the content graph needs from the platform, as an interface: no SQL in the graph."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from pydantic import BaseModel

from agents.content.settings import ContentSettings
from agents.content.structured import Definition, ReviewQuestion
from rag.evidence import Attribution, ClaimCheck, Ranking
from serving.client import LLMClient


class Passage(BaseModel):
    """A retrieved passage of the course's own material."""

    lesson_id: uuid.UUID
    title: str
    text: str
    similarity: float


class ContentPorts(Protocol):
    async def sources(self, course_id: uuid.UUID, query: str, k: int) -> list[Passage]: ...

    async def definitions(self, course_id: uuid.UUID, query: str, k: int) -> list[Definition]:
        """The course's glossary definitions nearest to the query, nearest first."""
        ...

    async def book_objectives(
        self, course_id: uuid.UUID, query: str, k: int
    ) -> list[tuple[str, float]]:
        """The learning objectives the course's lessons state ("By the end of this section…"),
        nearest to the query first, each with its similarity."""
        ...

    async def review_questions(
        self, course_id: uuid.UUID, query: str, k: int
    ) -> list[ReviewQuestion]:
        """The book's own keyed multiple-choice exercises nearest to the query, nearest first."""
        ...

    async def rank(self, question: str, options: Sequence[str], course_id: uuid.UUID) -> Ranking:
        """The options ranked by the course's evidence (``rag.evidence``)."""
        ...

    async def check_claims(
        self, question: str, claims: Sequence[str], course_id: uuid.UUID
    ) -> ClaimCheck: ...

    async def attribute(
        self, question: str, claims: Sequence[str], passages: Sequence[str], course_id: uuid.UUID
    ) -> list[Attribution]:
        """Which of the given passages supports each claim, and how likely (``rag.evidence``)."""
        ...

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    async def course_item_vectors(
        self, course_id: uuid.UUID, excluding: Collection[str] = ()
    ) -> np.ndarray:
        """Normalised vectors of the prompts of every item the course already has, but those
        ``excluding`` names (a reused review question is not a duplicate of itself)."""
        ...


@dataclass(frozen=True)
class ContentDeps:
    ports: ContentPorts
    llm: LLMClient
    settings: ContentSettings
