"""The model suite's questions, version 1: held-out keyed multiple-choice exercises (asked for the
option letter) and held-out exercises with worked solutions (the solution is scored as the
model's reply), split evenly between the eval books."""

import random
from dataclasses import dataclass
from pathlib import Path

from evals.heldout import EVAL_BOOKS, held_out_exercises
from evals.suites.tutor.dataset import ChoiceQuestion, choice_questions

VERSION = "model-v1"
# Worked solutions shorter than this are a letter or a number: nothing to score a model on.
MIN_SOLUTION_CHARS = 80
MAX_SOLUTION_CHARS = 1500


@dataclass(frozen=True)
class WorkedSolution:
    key: str
    book: str
    problem: str
    solution: str


def worked_solutions(books_dir: Path, book: str) -> list[WorkedSolution]:
    return [
        WorkedSolution(e.key, book, e.exercise.prompt, e.exercise.solution)
        for e in held_out_exercises(books_dir, book)
        if MIN_SOLUTION_CHARS <= len(e.exercise.solution) <= MAX_SOLUTION_CHARS
    ]


def _share(limit: int, index: int, parts: int) -> int:
    return limit // parts + (1 if index < limit % parts else 0)


def sample(books_dir: Path, limit: int | None, seed: int) -> list[ChoiceQuestion | WorkedSolution]:
    """``limit`` multiple-choice questions and ``limit`` worked solutions (all without a limit)."""
    chosen: list[ChoiceQuestion | WorkedSolution] = []
    for index, book in enumerate(EVAL_BOOKS):
        for part, pool in (
            ("choice", choice_questions(books_dir, book)),
            ("solution", worked_solutions(books_dir, book)),
        ):
            if limit is None:
                chosen += pool
                continue
            count = min(_share(limit, index, len(EVAL_BOOKS)), len(pool))
            chosen += random.Random(f"{seed}:{book}:{part}").sample(list(pool), count)
    return chosen


def all_questions(books_dir: Path) -> list[str]:
    return [
        item.problem if isinstance(item, WorkedSolution) else item.stem
        for item in sample(books_dir, None, 0)
    ]
