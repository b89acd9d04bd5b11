"""The grading suite's answers of known correctness, built from held-out OpenStax exercises with
worked solutions (free response, as the platform imports them: the solution is the model answer
and the item is graded on the one default rubric line).

Each exercise is graded twice, so correct and incorrect answers are exactly balanced:
- ``worked``: its own worked solution (correct);
- one incorrect answer: ``perturbed``, the worked solution with the result of its last
  calculation changed (the number after its last "="), where it has one; otherwise ``other``,
  the worked solution of another held-out exercise of the same book, half the book away.

Version 1. Change the selection, the variants or the perturbation: bump ``VERSION``.
"""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from agents.grader.prompts import DEFAULT_RUBRIC_LINE
from agents.grader.schemas import GradingInput
from core.curriculum.models import ItemKind
from evals.heldout import EVAL_BOOKS, BookExercise, held_out_exercises

VERSION = "grading-v1"

# The bounds the grader's floor test uses: a question to answer, a solution that says something,
# and one short enough that the grader sees all of it.
MIN_PROMPT_CHARS, MIN_SOLUTION_CHARS, MAX_SOLUTION_CHARS = 40, 40, 500
# A result: "= 0.125", "= $1,250", "= -3".
_RESULT = re.compile(r"=\s*\$?\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)")


class Variant(StrEnum):
    WORKED = "worked"
    PERTURBED = "perturbed"
    OTHER = "other"


@dataclass(frozen=True)
class GradedAnswer:
    """An answer to one held-out exercise and whether it deserves the points."""

    key: str  # the exercise's key
    book: str
    variant: Variant
    question: str
    model_answer: str
    answer: str
    answer_source: str  # the key of the exercise whose solution the answer comes from

    @property
    def example_id(self) -> str:
        return f"{self.key}#{self.variant.value}"

    @property
    def correct(self) -> bool:
        return self.variant is Variant.WORKED

    def grading_input(self) -> GradingInput:
        """What the grader reads for an imported free-response exercise (one point)."""
        return GradingInput(
            question=self.question,
            model_answer=self.model_answer,
            rubric=[DEFAULT_RUBRIC_LINE],
            answer=self.answer,
            max_points=1.0,
        )


def gradeable(exercise: BookExercise) -> bool:
    found = exercise.exercise
    return (
        found.kind is ItemKind.FREE_RESPONSE
        and len(found.prompt) >= MIN_PROMPT_CHARS
        and MIN_SOLUTION_CHARS <= len(found.solution) <= MAX_SOLUTION_CHARS
    )


def exercises_of(books_dir: Path, book: str) -> list[BookExercise]:
    """The book's held-out exercises the suite grades answers to, in book order."""
    return [e for e in held_out_exercises(books_dir, book) if gradeable(e)]


def _changed(number: str) -> str:
    """A clearly different result written the same way: twice the value (1 for 0)."""
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number.replace(",", ""))
    changed = value * 2 if value else 1.0
    if "," in number:
        return f"{changed:,.{decimals}f}"
    return f"{changed:.{decimals}f}"


def perturbed(solution: str) -> str | None:
    """The solution with the number after its last "=" changed; None when it has none."""
    found = list(_RESULT.finditer(solution))
    if not found:
        return None
    start, end = found[-1].span(1)
    return solution[:start] + _changed(solution[start:end]) + solution[end:]


def _answer(exercise: BookExercise, variant: Variant, answer: str, source: str) -> GradedAnswer:
    return GradedAnswer(
        key=exercise.key,
        book=exercise.book,
        variant=variant,
        question=exercise.exercise.prompt,
        model_answer=exercise.exercise.solution,
        answer=answer,
        answer_source=source,
    )


def answers_to(pool: Sequence[BookExercise], index: int) -> tuple[GradedAnswer, GradedAnswer]:
    """The worked solution of ``pool[index]`` and its one incorrect answer."""
    exercise = pool[index]
    worked = _answer(exercise, Variant.WORKED, exercise.exercise.solution, exercise.key)
    changed = perturbed(exercise.exercise.solution)
    if changed is not None:
        return worked, _answer(exercise, Variant.PERTURBED, changed, exercise.key)
    # Half the book away: another chapter, never a neighbour that asks nearly the same thing.
    step = len(pool) // 2
    other = next(
        candidate
        for offset in range(step, step + len(pool))
        if (candidate := pool[(index + offset) % len(pool)]).exercise.solution
        != exercise.exercise.solution
    )
    return worked, _answer(exercise, Variant.OTHER, other.exercise.solution, other.key)


def sample(books_dir: Path, limit: int | None, seed: int) -> list[GradedAnswer]:
    """``limit`` exercises (two answers each), a seeded sample split evenly between the books;
    every gradeable held-out exercise without a limit."""
    chosen: list[GradedAnswer] = []
    for position, book in enumerate(EVAL_BOOKS):
        pool = exercises_of(books_dir, book)
        indexes = list(range(len(pool)))
        if limit is not None:
            share = limit // len(EVAL_BOOKS) + (1 if position < limit % len(EVAL_BOOKS) else 0)
            indexes = sorted(random.Random(f"{seed}:{book}").sample(indexes, min(share, len(pool))))
        for index in indexes:
            chosen.extend(answers_to(pool, index))
    return chosen


def all_questions(books_dir: Path) -> list[str]:
    """Every exercise prompt the suite can ask the grader about."""
    return [e.exercise.prompt for book in EVAL_BOOKS for e in exercises_of(books_dir, book)]
