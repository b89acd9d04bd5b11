"""Response models of the mastery domain."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ObjectiveMastery(BaseModel):
    """A learner's mastery of one learning objective, as BKT estimates it."""

    objective_id: uuid.UUID
    objective: str = Field(description="The objective's text.")
    lesson_id: uuid.UUID
    lesson_title: str
    course_id: uuid.UUID
    course_title: str
    p_known: float = Field(
        ge=0.0, le=1.0, description="P(the learner knows it) at their next answer."
    )
    answers: int = Field(description="Graded answers this estimate rests on.")
    correct: int
    mastered: bool = Field(description="p_known is at or above the mastery threshold.")
    mastered_at: float = Field(description="The mastery threshold (WC_MASTERY_MASTERED_AT).")
    fitted: bool = Field(description="The objective's parameters were fitted (else the defaults).")
    updated_at: datetime


class FlaggedItem(BaseModel):
    """An item whose live responses say it needs rewriting, with the figures behind the flags."""

    item_id: uuid.UUID
    lesson_id: uuid.UUID
    prompt: str
    version: int
    flags: list[str] = Field(description="too_easy, too_hard, negative_discrimination.")
    responses: int
    difficulty: float = Field(description="Share of responses graded correct.")
    discrimination: float | None = Field(
        description="Point-biserial correlation with the learner's other answers (rest score)."
    )
    irt: dict[str, Any] | None = Field(description="2PL IRT a (discrimination), b (difficulty).")
    computed_at: datetime
