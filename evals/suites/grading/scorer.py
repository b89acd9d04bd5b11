"""Grades each answer with the rubric grader as the platform runs it (the grading graph: the
model's rubric judgement blended with the answer's similarity to the worked solution) and scores
the verdict against the answer's known correctness.

The verdict is what the platform does with the grade: below the confidence threshold the grade
goes to a teacher (``review``); otherwise the answer counts as correct from half of its points on
(``platform_api.grading.grades.CORRECT_SHARE``) and the grade stands (``accept`` / ``reject``).
A deferred grade is no agreement, but neither a false accept nor a false reject.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

from agents.grader.schemas import GradeResult
from agents.grader.settings import GradingSettings
from evals.suite import Example, SuiteContext
from evals.suites.grading.dataset import GradedAnswer
from graphs.grading.graph import GradingDeps, build_graph, grade_answer

# The LLM batches this many grades.
CONCURRENCY = 8
# As the platform counts an answer correct (platform_api.grading.grades; evals may not import it).
CORRECT_SHARE = 0.5
# The platform's per-request timeout makes a slow LLM count as down and retries the step later;
# the suite has no later, and the time a grade takes does not change the grade.
LLM_TIMEOUT_SECONDS = 300.0
SHOWN_CHARS = 300

Verdict = Literal["accept", "reject", "review"]


def verdict_of(result: GradeResult, confidence_threshold: float) -> Verdict:
    if result.confidence < confidence_threshold:
        return "review"
    return "accept" if result.points >= CORRECT_SHARE * result.max_points else "reject"


def scores_of(answer: GradedAnswer, result: GradeResult, verdict: Verdict) -> dict[str, float]:
    """Agreement for every answer; a false accept only for incorrect answers, a false reject
    only for correct ones; the model's judgement alone beside the blended grade."""
    expected = "accept" if answer.correct else "reject"
    llm_accepts = (result.judgement_share or 0.0) >= CORRECT_SHARE
    scores = {
        "agreement": float(verdict == expected),
        "llm_agreement": float(llm_accepts == answer.correct),
        "review_rate": float(verdict == "review"),
    }
    if answer.correct:
        scores["false_reject_rate"] = float(verdict == "reject")
    else:
        scores["false_accept_rate"] = float(verdict == "accept")
    return scores


def record_of(answer: GradedAnswer, result: GradeResult, verdict: Verdict) -> dict[str, Any]:
    return {
        "book": answer.book,
        "variant": answer.variant.value,
        "correct": answer.correct,
        "verdict": verdict,
        "points": result.points,
        "confidence": result.confidence,
        "judgement_share": result.judgement_share,
        "similarity": result.similarity,
        "justification": result.justification,
        "question": answer.question[:SHOWN_CHARS],
        "answer": answer.answer[:SHOWN_CHARS],
        "answer_source": answer.answer_source,
    }


async def score(context: SuiteContext, answers: Sequence[Any]) -> list[Example]:
    # The platform's grading settings (``WC_GRADING_*``) but for the timeout.
    settings = GradingSettings().model_copy(update={"llm_timeout_seconds": LLM_TIMEOUT_SECONDS})
    deps = GradingDeps(context.require_llm("grading"), context.shared_embedder(), settings)
    graph = build_graph(deps)
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(answer: GradedAnswer) -> Example:
        nonlocal done
        async with gate:
            result = await grade_answer(graph, answer.grading_input())
        done += 1
        context.progress(done, len(answers))
        verdict = verdict_of(result, settings.confidence_threshold)
        return Example(
            answer.example_id,
            scores_of(answer, result, verdict),
            record_of(answer, result, verdict),
        )

    return list(await asyncio.gather(*(one(answer) for answer in answers)))
