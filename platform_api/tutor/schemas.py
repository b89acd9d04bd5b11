"""Request and response bodies of the tutor API."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agents.tutor.policy import TutorMode
from agents.tutor.settings import TutorSettings

MAX_MESSAGE_CHARS = TutorSettings().max_message_chars

MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)
]


# The session table's title column; a course title (up to 300) is cut to it.
SESSION_TITLE_CHARS = 200


class SessionIn(BaseModel):
    course_id: uuid.UUID
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=SESSION_TITLE_CHARS)]
        | None
    ) = None


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


class SessionPage(BaseModel):
    items: list[SessionOut]
    total: int
    limit: int
    offset: int


class CitationOut(BaseModel):
    marker: int = Field(description="The [n] marker in the answer.")
    lesson_id: uuid.UUID
    title: str
    source_module: str | None = Field(description="CNXML module id for imported content.")


class SupportOut(BaseModel):
    """How well the course material supports a tutor answer."""

    score: float = Field(
        ge=0,
        le=1,
        description="For a multiple-choice question, the calibrated probability that the option "
        "the evidence picks is right; otherwise the mean calibrated support of the answer's "
        "statements.",
    )
    supported: bool = Field(
        description="Whether the score reaches WC_EVIDENCE_SUPPORTED_CONFIDENCE (options) or "
        "WC_EVIDENCE_CLAIM_SUPPORTED_CONFIDENCE (an answer's statements)."
    )
    basis: Literal["options", "answer"]


class TurnOut(BaseModel):
    turn_id: str
    role: Literal["learner", "tutor"]
    content: str
    citations: list[CitationOut] = []
    refused: bool = False
    support: SupportOut | None = Field(
        None, description="A tutor answer's support; none for refusals and fixed replies."
    )


class SessionDetail(SessionOut):
    summary: str = Field("", description="What the tutor remembers of older turns, summarised.")
    messages: list[TurnOut]


class MessageIn(BaseModel):
    content: MessageText = Field(description="The learner's message (1 to 4,000 characters).")


class FeedbackIn(BaseModel):
    rating: Literal["up", "down"]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class PolicyOut(BaseModel):
    course_id: uuid.UUID | None = None
    mode: TutorMode = Field(
        description="socratic: guide with questions and hints, never give an exercise's final "
        "answer; explain: explain step by step."
    )


class PolicyIn(BaseModel):
    mode: TutorMode


def sse_example() -> dict[str, Any]:
    return {
        "text/event-stream": {
            "example": (
                'event: turn\ndata: {"session_id": "…", "turn_id": "…"}\n\n'
                'event: token\ndata: {"text": "Evaporation"}\n\n'
                'event: done\ndata: {"turn_id": "…", "answer": "…", "citations": [...], '
                '"refused": false, "intent": "content_question", '
                '"support": {"score": 0.82, "supported": true, "basis": "answer"}}\n\n'
            )
        }
    }
