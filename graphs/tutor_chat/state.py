"""The tutor graph's state: the persisted conversation plus the fields of the turn in progress."""

import uuid
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.graph.message import add_messages

from core.pii import scrub

Intent = Literal["content_question", "homework_help", "off_topic", "unsafe", "exam_in_progress"]


class TurnUsage(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    ttft_ms: float


class OptionEvidence(TypedDict):
    """What the course material says about a multiple-choice question's options."""

    label: str | None  # the option it supports; None when it does not settle the question
    confidence: float  # the calibrated probability that the evidence's first option is right
    supported: bool
    passage: int | None  # number of the source supporting that option


class MultipleChoiceTurn(TypedDict):
    """A multiple-choice exercise in the message: every option is forbidden in Socratic mode;
    explain mode states the option the evidence supports."""

    stem: str  # the question without its options
    options: list[dict[str, str]]  # {"label", "text"}: the stored item's and those written
    passage: int  # number of the source that settles it, cited by the guiding question
    evidence: OptionEvidence


class TurnSupport(TypedDict):
    """How well the course material supports the answer: for a multiple-choice question, the
    evidence's confidence in its option; otherwise the mean support of the answer's claims."""

    score: float
    supported: bool
    basis: Literal["options", "answer"]


class TutorState(TypedDict, total=False):
    # The conversation, kept across turns (checkpointed per session).
    messages: Annotated[list[AnyMessage], add_messages]
    summary: str
    summarized: int  # how many of the oldest messages the summary stands for
    hint_levels: dict[str, int]  # per exercise item id: the rung of the hint ladder reached
    # The turn in progress (replaced by every new turn's input).
    session_id: str
    turn_id: str
    learner_id: str
    course_id: str
    question: str
    personal_data_removed: bool
    context: dict[str, Any]
    # The search vector of the turn's question (``rag.retrieve.QueryVector`` as a dict), from
    # load_context to retrieve, which clears it.
    query_vector: dict[str, Any] | None
    intent: Intent
    safety: str | None
    sources: list[dict[str, Any]]
    exercise: dict[str, Any] | None
    # Other stored exercises asking the very same question ("What is the p-value?" is asked by
    # many): the learner may mean any of them, so their final answers are kept too.
    same_question: list[dict[str, Any]]
    multiple_choice: MultipleChoiceTurn | None
    answer: str
    leaked: bool
    support: TurnSupport | None
    citations: list[dict[str, Any]]
    refused: bool
    usage: TurnUsage


def turn_input(
    session_id: uuid.UUID,
    turn_id: uuid.UUID,
    learner_id: uuid.UUID,
    course_id: uuid.UUID,
    question: str,
) -> dict[str, Any]:
    """A new turn's fields for the graph; personal details never reach the stored conversation."""
    stored = scrub(question)
    return {
        "messages": [HumanMessage(id=f"{turn_id}:question", content=stored)],
        "session_id": str(session_id),
        "turn_id": str(turn_id),
        "learner_id": str(learner_id),
        "course_id": str(course_id),
        "question": stored,
        "personal_data_removed": stored != question,
        "query_vector": None,
        "sources": [],
        "exercise": None,
        "same_question": [],
        "multiple_choice": None,
        "answer": "",
        "leaked": False,
        "support": None,
        "citations": [],
        "refused": False,
    }
