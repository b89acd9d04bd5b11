"""The grader weighs a learner's answer against the course's own material (issue 15, item 4):
the support of the answer's claims is part of every grade of a course's item, and a grade that
disagrees with it (credits what the material does not support, or fails what it supports) goes
to the teacher, with the reason, whatever the grader's confidence.

On the real stack: Anatomy and Physiology's eval chapters ingested, the evidence scorer over them
(its claim map was fitted on the dev chapters; the answers here are the held-out chapters'), the
bundled LLM. Conceptual material: on the statistics book's worked solutions, which are
computations, the claim check does not tell a solution from a false answer (measured: both about
0.25), which docs/grading.md states."""

import asyncio

from agents.grader.evidence import CREDITED_SHARE, disagreement
from agents.grader.prompts import DEFAULT_RUBRIC_LINE
from agents.grader.rubric import combine
from agents.grader.schemas import GradeResult, GradingInput, RubricJudgement
from agents.grader.settings import GradingSettings
from core.curriculum.models import ItemKind
from core.infra.database import Database
from evals.heldout import ANATOMY_BOOK, book_exercises, is_held_out_chapter
from graphs.grading.graph import GradingDeps, build_graph, grade_answer
from platform_api.assessments.models import GradingStatus
from platform_api.grading.saga import llm_grade
from rag.embeddings import Embedder
from rag.evidence import ClaimCheck, EvidenceScorer, claims_of
from serving.client import LLMClient
from tests.fixtures.books import EvalBooks
from tests.fixtures.llm import LlmServer

EXERCISES = 4
MIN_SOLUTION_CHARS = 40
# Fluent, anatomy-flavoured and false: nothing in the book says it.
FALSE_ANSWER = "The heart belongs to the skeletal system. It makes bile that dissolves the bones."


def support(confidence: float) -> ClaimCheck:
    return ClaimCheck(supports=[], confidence=confidence, supported_confidence=0.5)


def test_a_grade_that_disagrees_with_the_material_goes_to_the_teacher() -> None:
    grading = GradingInput(
        question="What does the median tell?",
        model_answer="The middle value of the ordered data.",
        rubric=["names the middle value"],
        answer="The middle value when the data are in order.",
        max_points=1.0,
    )
    judged = RubricJudgement(justification="Names it.", lines=["yes"], confidence="high")
    settings = GradingSettings()
    agreed = combine(grading, judged, 0.9, 1.0, settings, support(0.8))
    assert agreed.course_support == 0.8 and agreed.disagreement is None
    assert llm_grade(agreed, "m", settings.confidence_threshold).status is GradingStatus.GRADED

    unsupported = combine(grading, judged, 0.9, 1.0, settings, support(0.2))
    assert unsupported.confidence >= settings.confidence_threshold  # confident, yet routed
    assert unsupported.disagreement and "does not support" in unsupported.disagreement
    routed = llm_grade(unsupported, "m", settings.confidence_threshold)
    assert routed.status is GradingStatus.NEEDS_REVIEW
    assert unsupported.disagreement in routed.justification

    failed = RubricJudgement(justification="Misses it.", lines=["no"], confidence="high")
    marked_down = combine(grading, failed, 0.1, 0.0, settings, support(0.9))
    assert marked_down.disagreement and "supports" in marked_down.disagreement
    # Without the course's material there is nothing to disagree with.
    assert combine(grading, judged, 0.9, 1.0, settings).course_support is None
    assert disagreement(CREDITED_SHARE, support(0.5)) is None
    assert claims_of("Yes. The mean is the average! ok") == ["The mean is the average!"]


async def test_the_book_s_own_solutions_are_better_supported_than_a_false_answer(
    llm_server: LlmServer, eval_books: EvalBooks
) -> None:
    course_id = eval_books.course_ids[ANATOMY_BOOK]
    worked = [
        e.exercise
        for e in book_exercises(eval_books.books_dir, ANATOMY_BOOK)
        if is_held_out_chapter(e.chapter)
        and e.exercise.kind is ItemKind.FREE_RESPONSE
        and len(e.exercise.solution) >= MIN_SOLUTION_CHARS
    ][:EXERCISES]
    assert len(worked) == EXERCISES
    answers = [
        GradingInput(
            question=exercise.prompt,
            model_answer=exercise.solution,
            rubric=[DEFAULT_RUBRIC_LINE],
            answer=answer,
            max_points=1.0,
            course_id=course_id,
        )
        for exercise in worked
        for answer in (exercise.solution, FALSE_ANSWER)
    ]
    database = Database(eval_books.database_url, pool_size=2)
    embedder = Embedder()
    scorer = EvidenceScorer(database, embedder)
    llm = LLMClient(llm_server.base_url, llm_server.model)
    graph = build_graph(GradingDeps(llm, embedder, GradingSettings(), scorer))
    try:
        graded: list[GradeResult] = await asyncio.gather(
            *(grade_answer(graph, answer) for answer in answers)
        )
    finally:
        await llm.close()
        await database.close()

    own, false = graded[0::2], graded[1::2]
    print(
        "\ncourse support, own solution vs a false answer:",
        [(a.course_support, b.course_support) for a, b in zip(own, false, strict=True)],
    )
    assert all(result.course_support is not None for result in graded)
    better = sum(
        (a.course_support or 0) > (b.course_support or 0) for a, b in zip(own, false, strict=True)
    )
    assert better >= EXERCISES - 1
    threshold = GradingSettings().confidence_threshold
    for result in graded:
        credited = result.points / result.max_points >= CREDITED_SHARE
        supported = (result.course_support or 0) >= scorer.settings.claim_supported_confidence
        assert (result.disagreement is not None) == (credited != supported), result
        if result.disagreement:
            assert llm_grade(result, "m", threshold).status is GradingStatus.NEEDS_REVIEW
