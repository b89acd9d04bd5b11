"""The LLM's rubric judgement of one answer, and the grade that blends it with the evidence.

The blend (``combine``) is where the model's fluency is kept in check: the grade is a weighted
mean of the model's rubric share and the evidence share, and the confidence is their agreement
scaled by the model's own confidence. Where they disagree the confidence drops, and the answer
goes to a teacher instead of standing on the model's word. With the course's material at hand,
the answer's claims are also weighed against it (``course``): a grade that credits what the
material does not support, or fails what it supports, goes to the teacher too.
"""

from agents.content.budget import token_budget
from agents.grader import prompts
from agents.grader.evidence import disagreement
from agents.grader.schemas import (
    CONFIDENCE_VALUES,
    LINE_MAX_POINTS,
    GradeResult,
    GradingInput,
    LineScore,
    RubricJudgement,
    judgement_schema,
)
from agents.grader.settings import GradingSettings
from rag.evidence import ClaimCheck
from serving.client import LLMClient

POINT_STEP = 0.25  # grades are given in quarter points
LINE_MAX = LINE_MAX_POINTS


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def grade_messages(grading: GradingInput, settings: GradingSettings) -> list[dict[str, str]]:
    limit = settings.max_prompt_chars
    rubric = "\n".join(
        prompts.RUBRIC_LINE.format(number=n, text=_clip(line, 200))
        for n, line in enumerate(grading.rubric, start=1)
    )
    user = prompts.GRADE.format(
        question=_clip(grading.question, limit),
        model_answer=_clip(grading.model_answer, limit),
        rubric=rubric,
        answer=_clip(grading.answer, limit) or "(blank)",
    )
    return [
        {"role": "system", "content": prompts.GRADER_SYSTEM},
        {"role": "user", "content": user},
    ]


async def judge(
    llm: LLMClient, grading: GradingInput, settings: GradingSettings
) -> RubricJudgement:
    """One structured call; raises when the LLM is down or never answers in the schema."""
    schema = judgement_schema(len(grading.rubric))
    # A vLLM sampling option, sent only when set: other OpenAI-compatible servers may not know it.
    penalty = settings.repetition_penalty
    extra = {"extra_body": {"repetition_penalty": penalty}} if penalty != 1.0 else {}
    return await llm.structured(
        grade_messages(grading, settings),  # type: ignore[arg-type]
        schema,
        attempts=settings.structured_attempts,
        max_tokens=token_budget(schema),
        temperature=settings.temperature,
        timeout=settings.llm_timeout_seconds,
        **extra,
    )


def _rounded(points: float) -> float:
    return round(points / POINT_STEP) * POINT_STEP


def combine(
    grading: GradingInput,
    judgement: RubricJudgement | None,
    similarity: float,
    evidence: float,
    settings: GradingSettings,
    course: ClaimCheck | None = None,
) -> GradeResult:
    """The grade from the judgement (None: not asked, as the answer is blank) and the evidence;
    ``course``: the course material's support of the answer's claims, when weighed."""
    per_line = grading.max_points / len(grading.rubric)
    if judgement is None:
        share, confidence, why = 0.0, 1.0, "The answer is blank."
        lines = [0.0 for _ in grading.rubric]
    else:
        lines = [float(points) for points in judgement.line_points]
        model_share = sum(lines) / (LINE_MAX * len(lines))
        weight = settings.llm_weight
        share = weight * model_share + (1 - weight) * evidence
        agreement = 1.0 - abs(model_share - evidence)
        confidence = agreement * (0.7 + 0.3 * CONFIDENCE_VALUES[judgement.confidence])
        why = judgement.justification
        if not grading.model_answer.strip():  # nothing to check the model against: a teacher
            share, confidence = model_share, 0.0
    return GradeResult(
        points=min(grading.max_points, _rounded(share * grading.max_points)),
        max_points=grading.max_points,
        rubric_scores=[
            LineScore(criterion=line, points=per_line * points / LINE_MAX, max_points=per_line)
            for line, points in zip(grading.rubric, lines, strict=True)
        ],
        justification=f"{why} (similarity to the model answer {similarity:.2f})",
        confidence=round(confidence, 3),
        judgement_share=None if judgement is None else sum(lines) / (LINE_MAX * len(lines)),
        similarity=round(similarity, 3),
        evidence_share=round(evidence, 3),
        course_support=None if course is None else round(course.confidence, 3),
        disagreement=None if course is None or judgement is None else disagreement(share, course),
    )
