"""One question to the tutor outside any conversation: ``wc tutor ask`` and evaluation runs.

The turn goes through the same graph as a learner's (classification, retrieval, policy, leak
check) but has no learner: no memory, no progress, no exam check, and an unsafe question is
refused without flagging anyone, since there is nobody to look after.
"""

import logging
import uuid
from typing import Any

from pydantic import BaseModel

from agents.tutor.citations import Citation
from agents.tutor.policy import TutorMode
from core.curriculum.models import Course
from core.errors import NotFound
from core.infra.database import Database
from graphs.tutor_chat.oneshot import answer_once
from graphs.tutor_chat.ports import FlagReport, LearnerContext
from platform_api.tutor.ports import PlatformTutorPorts, course_mode
from platform_api.tutor.schemas import SupportOut
from rag.embeddings import Embedder
from rag.settings import RagSettings
from serving.client import LLMClient

logger = logging.getLogger(__name__)


class OneShotAnswer(BaseModel):
    answer: str
    citations: list[Citation]
    refused: bool
    support: SupportOut | None = None


class OperatorPorts(PlatformTutorPorts):
    """The platform's ports for a question asked by nobody in particular."""

    def __init__(self, *args: Any, mode: TutorMode | None = None) -> None:
        super().__init__(*args)
        self.mode = mode

    async def learner_context(self, learner_id: uuid.UUID, course_id: uuid.UUID) -> LearnerContext:
        async with self.database.session() as session:
            course = await session.get(Course, course_id)
            if course is None:
                raise NotFound("No such course.")
            return LearnerContext(
                learner_id=learner_id,
                course_id=course_id,
                course_title=course.title,
                mode=self.mode or await course_mode(session, course_id),
                minor=False,
                exam_in_progress=False,
            )

    async def flag(self, report: FlagReport) -> None:
        logger.info("one-shot question refused", extra={"category": report.category.value})


async def ask_once(
    database: Database,
    llm: LLMClient,
    question: str,
    course_id: uuid.UUID,
    mode: TutorMode | None = None,
) -> OneShotAnswer:
    rag_settings = RagSettings()
    embedder = Embedder.from_settings(rag_settings)
    ports = OperatorPorts(database, embedder, rag_settings, 0, mode=mode)
    values = await answer_once(ports, llm, course_id, question)
    return OneShotAnswer(
        answer=values["answer"],
        citations=[Citation.model_validate(c) for c in values["citations"]],
        refused=values["refused"],
        support=SupportOut.model_validate(support) if (support := values.get("support")) else None,
    )
