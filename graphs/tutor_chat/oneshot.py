"""One question to the tutor outside any conversation (a new session, no memory, asked by
nobody): what ``wc tutor ask`` and the eval suites run, through the same graph as a learner's."""

import uuid
from typing import Any

from agents.tutor.settings import TutorSettings
from graphs.tutor_chat.graph import build_tutor_graph
from graphs.tutor_chat.ports import TutorDeps, TutorPorts
from graphs.tutor_chat.state import turn_input
from serving.client import LLMClient

NOBODY = uuid.UUID(int=0)


async def answer_once(
    ports: TutorPorts,
    llm: LLMClient,
    course_id: uuid.UUID,
    question: str,
    settings: TutorSettings | None = None,
) -> dict[str, Any]:
    """The graph's final state for one question (answer, citations, intent, refused, …)."""
    graph = build_tutor_graph(TutorDeps(ports, llm, settings or TutorSettings()))
    values: dict[str, Any] = await graph.ainvoke(
        turn_input(uuid.uuid4(), uuid.uuid4(), NOBODY, course_id, question)
    )
    return values
