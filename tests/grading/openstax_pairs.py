"""Exercises with worked solutions from the OpenStax statistics book, for the grader's floor.

Each exercise's own solution is the answer that deserves the points; the solution of an exercise
from another part of the book is fluent, on-topic statistics that does not answer it.
"""

from dataclasses import dataclass
from pathlib import Path

from agents.grader.schemas import GradingInput
from core.curriculum.models import ItemKind
from core.openstax.parser import ParsedExercise, parse_collection_dir
from platform_api.assessments.item_spec import ItemSpec, spec_from_snapshot
from platform_api.grading.items import grading_input
from tests.openstax import BOOKS_DIR, STATISTICS_BOOK

COLLECTION = Path("collections/introductory-statistics-2e.collection.xml")
MIN_PROMPT_CHARS, MIN_SOLUTION_CHARS, MAX_SOLUTION_CHARS = 40, 40, 500
OTHER_SHIFT = 13


@dataclass(frozen=True)
class Pair:
    own: GradingInput  # the exercise graded with its own solution as the answer
    other: GradingInput  # the same exercise graded with another exercise's solution


def worked_exercises(count: int) -> list[ParsedExercise]:
    """``count`` free-response exercises with a worked solution, spread over the whole book."""
    (collection,) = parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK, COLLECTION)
    candidates = [
        exercise
        for chapter in collection.chapters
        for module in chapter.modules
        for exercise in module.exercises
        if exercise.kind is ItemKind.FREE_RESPONSE
        and len(exercise.prompt) >= MIN_PROMPT_CHARS
        and MIN_SOLUTION_CHARS <= len(exercise.solution) <= MAX_SOLUTION_CHARS
    ]
    step = len(candidates) / count
    return [candidates[int(index * step)] for index in range(count)]


def _as_item(exercise: ParsedExercise) -> ItemSpec:
    snapshot = {"kind": exercise.kind.value, "prompt": exercise.prompt}
    return spec_from_snapshot(snapshot | {"answer": exercise.answer, "solution": exercise.solution})


def grading_pairs(count: int) -> list[Pair]:
    """For exercise k: its own solution, and the solution of exercise k + 13 (a shift prime to
    the count, so no two pairs compare the same two solutions)."""
    exercises = worked_exercises(count)
    pairs = []
    for index, exercise in enumerate(exercises):
        other = exercises[(index + OTHER_SHIFT) % count]
        item = _as_item(exercise)
        pairs.append(
            Pair(
                own=grading_input(item, exercise.solution, 1.0),
                other=grading_input(item, other.solution, 1.0),
            )
        )
    return pairs
