"""Which OpenStax exercises are kept for evaluation and which may teach a model.

Half of each eval book's exercises (chosen by a hash of the book, module and exercise, so the
choice never changes and needs no list) are held out: the suites ask only those, and the training
data pipeline takes worked solutions only from the others. ``evals.catalogue.held_out_questions``
adds every other suite's questions to what training data must not contain.
"""

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.openstax.parser import ParsedExercise, parse_collection_dir

STATISTICS_BOOK = "introductory-statistics-bundle"
ANATOMY_BOOK = "anatomy-physiology"
EVAL_BOOKS = (STATISTICS_BOOK, ANATOMY_BOOK)
# The collection of each book the suites search (the statistics bundle holds two courses).
EVAL_COLLECTIONS = {
    STATISTICS_BOOK: "openstax:introductory-statistics-2e",
    ANATOMY_BOOK: "openstax:anatomy-and-physiology-2e",
}
HELD_OUT_SHARE = 0.5


def default_books_dir() -> Path:
    """``WC_OPENSTAX_DIR``, else ``shared/data/openstax`` beside the checkout."""
    configured = os.environ.get("WC_OPENSTAX_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "openstax"


@dataclass(frozen=True)
class BookExercise:
    """An exercise with where it sits in its book."""

    book: str
    chapter: str
    module_id: str
    module_title: str
    exercise: ParsedExercise

    @property
    def key(self) -> str:
        return f"{self.book}/{self.module_id}/{self.exercise.source_key}"

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.exercise.options) and bool(self.exercise.answer)


def is_held_out(key: str) -> bool:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < HELD_OUT_SHARE


def is_held_out_chapter(chapter_title: str) -> bool:
    """The chapter-level split: calibrations (the evidence scorer's) are fitted on the other
    chapters and reported on these, so a figure is never measured on the text it was fitted to."""
    return is_held_out(chapter_title)


@cache
def book_exercises(books_dir: Path, book: str) -> tuple[BookExercise, ...]:
    """Every exercise with a question of the book's eval collection, in book order."""
    collection = next(
        c for c in parse_collection_dir(books_dir / book) if c.source_key == EVAL_COLLECTIONS[book]
    )
    return tuple(
        BookExercise(book, chapter.title, module.module_id, module.title, exercise)
        for chapter in collection.chapters
        for module in chapter.modules
        for exercise in module.exercises
        if exercise.prompt.strip()
    )


def held_out_exercises(books_dir: Path, book: str) -> list[BookExercise]:
    return [e for e in book_exercises(books_dir, book) if is_held_out(e.key)]


def training_exercises(books_dir: Path, book: str) -> list[BookExercise]:
    """The exercises a training set may use (never one a suite asks)."""
    return [e for e in book_exercises(books_dir, book) if not is_held_out(e.key)]
