"""The tutor suite's questions, version 2:
- multiple-choice: held-out keyed exercises of both eval books in their held-out chapters (the
  evidence scorer was calibrated on the other chapters), asked with their options;
- pedagogy: held-out multiple-choice exercises with a learner's wrong attempt (a seeded wrong
  option), asked in Socratic mode, scored along MRBench's dimensions;
- off-syllabus: questions no eval course covers (written for this suite), for "not covered".
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.heldout import EVAL_BOOKS, BookExercise, held_out_exercises, is_held_out_chapter

VERSION = "tutor-v2"
PEDAGOGY_SHARE = 0.25  # pedagogy and off-syllabus questions per multiple-choice question
FULL_PEDAGOGY = 40

OFF_SYLLABUS = (
    "Who painted the ceiling of the Sistine Chapel?",
    "How do I change the inner tube of a bicycle tyre?",
    "What is the best way to proof sourdough bread overnight?",
    "Which team won the first football World Cup?",
    "How do I configure port forwarding on my home router?",
    "What are the rules for castling in chess?",
    "Translate 'good morning' into Japanese.",
    "What year did the Berlin Wall fall?",
    "How do I tune a guitar to drop D?",
    "Recommend a good fantasy novel series for teenagers.",
    "What is the capital city of Australia?",
    "How do I get a stain out of a wool jumper?",
    "Who wrote the opera The Magic Flute?",
    "How many moons does Jupiter have?",
    "What should I pack for a week of camping in the mountains?",
    "How do I write a cover letter for a summer job?",
)


@dataclass(frozen=True)
class ChoiceQuestion:
    key: str
    book: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (label, text), labels lower case
    answer: str  # the keyed label

    def asked(self) -> str:
        lines = "\n".join(f"{label}) {text}" for label, text in self.options)
        return f"{self.stem}\n{lines}"

    def text_of(self, label: str) -> str:
        return dict(self.options)[label]


@dataclass(frozen=True)
class PedagogyQuestion:
    question: ChoiceQuestion
    attempt: str  # the wrong label the learner proposes

    @property
    def key(self) -> str:
        return f"pedagogy:{self.question.key}"

    def asked(self) -> str:
        wrong = self.question.text_of(self.attempt)
        attempt = f"I think the answer is {self.attempt}) {wrong}. Is that right?"
        return f"{self.question.asked()}\n{attempt}"


@dataclass(frozen=True)
class OffSyllabusQuestion:
    key: str
    book: str
    text: str


TutorQuestion = ChoiceQuestion | PedagogyQuestion | OffSyllabusQuestion


def as_choice_question(exercise: BookExercise) -> ChoiceQuestion | None:
    """The exercise as a multiple-choice question (None unless it has a key among 2+ options)."""
    options = tuple((o["label"].lower(), o["text"]) for o in exercise.exercise.options)
    answer = (exercise.exercise.answer or "").strip().lower()
    if answer not in dict(options) or len(options) < 2:
        return None
    return ChoiceQuestion(exercise.key, exercise.book, exercise.exercise.prompt, options, answer)


def choice_questions(books_dir: Path, book: str) -> list[ChoiceQuestion]:
    exercises = held_out_exercises(books_dir, book)
    found = (as_choice_question(e) for e in exercises if e.is_multiple_choice)
    return [q for q in found if q is not None]


def scored_choice_questions(books_dir: Path, book: str) -> list[ChoiceQuestion]:
    """The multiple-choice questions the suite asks: those of the held-out chapters."""
    exercises = held_out_exercises(books_dir, book)
    held_out = {e.key for e in exercises if is_held_out_chapter(e.chapter)}
    return [q for q in choice_questions(books_dir, book) if q.key in held_out]


def _sample(pool: Sequence[ChoiceQuestion], count: int, seed: str) -> list[ChoiceQuestion]:
    return random.Random(seed).sample(list(pool), min(count, len(pool)))


def _pedagogy(question: ChoiceQuestion, seed: int) -> PedagogyQuestion:
    wrong = [label for label, _ in question.options if label != question.answer]
    return PedagogyQuestion(question, random.Random(f"{seed}:{question.key}").choice(wrong))


def sample(books_dir: Path, limit: int | None, seed: int) -> list[TutorQuestion]:
    """``limit`` multiple-choice questions (split between the books), a quarter as many pedagogy
    and off-syllabus ones; everything (40 pedagogy) without a limit."""
    pools = {book: scored_choice_questions(books_dir, book) for book in EVAL_BOOKS}
    choices: list[ChoiceQuestion] = []
    for index, (book, pool) in enumerate(pools.items()):
        if limit is None:
            choices += pool
        else:
            share = limit // len(pools) + (1 if index < limit % len(pools) else 0)
            choices += _sample(pool, share, f"{seed}:{book}")
    extra = FULL_PEDAGOGY if limit is None else max(1, math.ceil(limit * PEDAGOGY_SHARE))
    rest = [q for q in (q for pool in pools.values() for q in pool) if q not in choices]
    pedagogy = [_pedagogy(q, seed) for q in _sample(rest, extra, f"{seed}:pedagogy")]
    off = OFF_SYLLABUS if limit is None else _sample_texts(extra, seed)
    books = [EVAL_BOOKS[i % len(EVAL_BOOKS)] for i in range(len(off))]
    off_syllabus = [
        OffSyllabusQuestion(f"off-syllabus:{OFF_SYLLABUS.index(t)}", book, t)
        for t, book in zip(off, books, strict=True)
    ]
    return [*choices, *pedagogy, *off_syllabus]


def _sample_texts(count: int, seed: int) -> list[str]:
    return random.Random(f"{seed}:off").sample(list(OFF_SYLLABUS), min(count, len(OFF_SYLLABUS)))


def all_questions(books_dir: Path) -> list[str]:
    asked = [q.stem for book in EVAL_BOOKS for q in choice_questions(books_dir, book)]
    return [*asked, *OFF_SYLLABUS]
