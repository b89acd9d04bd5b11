"""What the grader reads and writes: its input, the LLM's JSON schema, and the grade.

The LLM's schema is sent as JSON schema (schema-constrained decoding) and validated again on the
way back; its number of rubric lines is fixed per item, so one schema is built per line count.
"""

import uuid
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_RUBRIC_LINES = 4
# Words rather than digits: a small model picks between words more naturally, and copies a digit
# from the prompt's numbering.
LineVerdict = Literal["yes", "partly", "no"]
LINE_POINTS: dict[str, int] = {"yes": 2, "partly": 1, "no": 0}
LINE_MAX_POINTS = 2
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
    # The course the item belongs to: the learner's answer is also weighed against its material.
    course_id: uuid.UUID | None = None


class RubricJudgement(Strict):
    """The LLM's reading: why (first, so the verdicts follow from it), whether each rubric line
    is met (2, 1 or 0 points of ``LINE_POINTS``), and how sure it is."""

    justification: Annotated[str, Field(min_length=2, max_length=80)]
    lines: list[LineVerdict]
    confidence: Confidence

    @property
    def line_points(self) -> list[int]:
        return [LINE_POINTS[verdict] for verdict in self.lines]


@lru_cache(maxsize=MAX_RUBRIC_LINES)
def judgement_schema(line_count: int) -> type[RubricJudgement]:
    """``RubricJudgement`` holding exactly ``line_count`` lines, so the grammar enforces it."""
    lines = (list[LineVerdict], Field(min_length=line_count, max_length=line_count))
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
    course_support: float | None = Field(
        None,
        description="How well the course's material supports the answer's claims (the "
        "evidence scorer's calibrated probability); None without a course or for a blank answer.",
    )
    disagreement: str | None = Field(
        None,
        description="Why the grade and the course's material disagree (the grader credits what "
        "the material does not support, or marks down what it does); such a grade goes to the "
        "teacher whatever its confidence.",
    )
