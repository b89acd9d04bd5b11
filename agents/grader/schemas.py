"""What the grader reads and writes: its input, the LLM's JSON schema, and the grade.

The LLM's schema is sent as JSON schema (schema-constrained decoding) and validated again on the
way back; its number of rubric lines is fixed per item, so one schema is built per line count.
"""

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_RUBRIC_LINES = 4
LinePoints = Literal[0, 1, 2]  # not met, partly met, met
Confidence = Literal["low", "medium", "high"]
CONFIDENCE_VALUES: dict[str, float] = {"low": 0.3, "medium": 0.6, "high": 0.9}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradingInput(Strict):
    """One answer to grade, with the item version the learner saw."""

    question: str
    model_answer: str
    rubric: list[str] = Field(min_length=1, max_length=MAX_RUBRIC_LINES)
    answer: str
    max_points: float = Field(gt=0)


class RubricJudgement(Strict):
    """The LLM's reading: points per rubric line (0, 1 or 2), why, and how sure it is."""

    lines: list[LinePoints]
    justification: Annotated[str, Field(min_length=2, max_length=160)]
    confidence: Confidence


@lru_cache(maxsize=MAX_RUBRIC_LINES)
def judgement_schema(line_count: int) -> type[RubricJudgement]:
    """``RubricJudgement`` holding exactly ``line_count`` lines, so the grammar enforces it."""
    lines = (list[LinePoints], Field(min_length=line_count, max_length=line_count))
    return create_model("RubricJudgement", __base__=RubricJudgement, lines=lines)


class LineScore(Strict):
    criterion: str
    points: float
    max_points: float


class GradeResult(Strict):
    """The grade of one answer and what it rests on (stored in ``GradeRevision``)."""

    points: float
    max_points: float
    rubric_scores: list[LineScore]
    justification: str
    confidence: float = Field(ge=0.0, le=1.0)
    # The two sources the grade blends, each as a share of the maximum (0..1).
    judgement_share: float | None = Field(
        description="The LLM's rubric points as a share; None when it was not asked."
    )
    similarity: float = Field(description="Similarity of the answer to the model answer.")
    evidence_share: float
