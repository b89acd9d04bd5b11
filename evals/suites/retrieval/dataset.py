"""The retrieval suite's questions: held-out exercises of both eval books, each with the chapter
and section it belongs to. Version 1: the exercise prompt as the query, options left out."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.heldout import EVAL_BOOKS, BookExercise, held_out_exercises

VERSION = "retrieval-v1"


@dataclass(frozen=True)
class RetrievalQuestion:
    key: str
    book: str
    query: str
    chapter: str
    module_id: str


def _question(exercise: BookExercise) -> RetrievalQuestion:
    return RetrievalQuestion(
        exercise.key,
        exercise.book,
        exercise.exercise.prompt,
        exercise.chapter,
        exercise.module_id,
    )


def questions_of(books_dir: Path) -> list[RetrievalQuestion]:
    return [_question(e) for book in EVAL_BOOKS for e in held_out_exercises(books_dir, book)]


def sample(books_dir: Path, limit: int | None, seed: int) -> Sequence[RetrievalQuestion]:
    """A seeded sample, split evenly between the books (all of them without a limit)."""
    if limit is None:
        return questions_of(books_dir)
    chosen: list[RetrievalQuestion] = []
    for index, book in enumerate(EVAL_BOOKS):
        share = limit // len(EVAL_BOOKS) + (1 if index < limit % len(EVAL_BOOKS) else 0)
        pool = [_question(e) for e in held_out_exercises(books_dir, book)]
        chosen += random.Random(f"{seed}:{book}").sample(pool, min(share, len(pool)))
    return chosen
