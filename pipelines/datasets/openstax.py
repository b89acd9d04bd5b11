"""OpenStax worked solutions: every exercise with a non-empty solution becomes a problem →
solution example, grouped by its book (collection). Exercises the evals hold out are removed
later with every other row that asks a held-out question (``held_out``)."""

from collections.abc import Iterable
from pathlib import Path

from core.openstax.parser import ParsedCollection, parse_collection_dir
from pipelines.datasets.collected import Collected
from pipelines.datasets.config import Source
from pipelines.datasets.exercise_text import answer_text, question_text
from pipelines.datasets.prompts import WORKED_SOLUTION
from pipelines.datasets.rows import chat_row


def collect_openstax_solutions(books: Iterable[Path]) -> Collected:
    collected = Collected()
    for book in books:
        if not (book / "collections").is_dir():
            raise FileNotFoundError(f"{book} is not an OpenStax book folder (no collections/)")
        for collection in parse_collection_dir(book):
            collected.extend(_solutions(collection))
    return collected


def _solutions(collection: ParsedCollection) -> Collected:
    collected = Collected()
    for chapter in collection.chapters:
        for module in chapter.modules:
            for exercise in module.exercises:
                answer = answer_text(exercise.answer, exercise.solution, exercise.options)
                if not exercise.solution.strip() or not answer:
                    collected.dropped["no_solution"] += 1
                    continue
                collected.rows.append(
                    chat_row(
                        Source.OPENSTAX_SOLUTION,
                        group=collection.source_key,
                        # A module's exercise keys are unique within it; modules within a book.
                        row_id=f"{collection.source_key}/{module.module_id}/{exercise.source_key}",
                        system=WORKED_SOLUTION,
                        user=question_text(exercise.prompt, exercise.options),
                        answer=answer,
                    )
                )
    return collected
