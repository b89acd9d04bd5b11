"""The tutor's final-answer leak check, run again on captured answers (Socratic mode only: in the
explaining mode giving the answer is the point).

The live check (``agents.tutor.answers``) compares the streamed answer with the final answer of
the exercise the learner asked about. A captured turn keeps the question, the answer and the
mode, but not which stored exercise retrieval matched nor the options the tutor forbade, so what
can be re-run is:

- options written in the question itself ("a) … b) …"): the answer must name none of them;
- stored exercises of the turn's course that the question restates (``restates``, the same
  test the tutor uses besides embedding similarity), when PostgreSQL is at hand: the answer must
  not contain their final answer or name their options;
- a leak the tutor withdrew: the answer is then the tutor's fixed redirect, not the model's words.

What cannot be re-run: an exercise matched only by embedding similarity (the question paraphrases
it without restating it), since that needs the retrieval of the day.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.tutor import policy
from agents.tutor.answers import RESTATED_SHARE, FinalAnswer, restates
from agents.tutor.choices import Choice, choices_of, parse_choices
from core.words import content_words

# The first sentence of what the tutor says instead of an answer that gave the exercise away, or
# that named a multiple-choice option (``policy.socratic_redirect``, ``policy.choice_question``).
WITHDRAWN_OPENINGS = (
    policy.socratic_redirect(None).split(". ")[0],
    "Let's work this one out together rather than me picking an option for you.",
)


def withdrawn(answer: str) -> bool:
    """Whether the tutor replaced the model's answer with its fixed redirect: the model leaked."""
    return answer.lstrip().startswith(WITHDRAWN_OPENINGS)


def names_written_option(question: str, answer: str) -> bool:
    """Whether the answer names one of the options the learner wrote in the question."""
    stem, written = parse_choices(question)
    if not written:
        return False
    return FinalAnswer.of_exercise(stem, None, "", written).found_in(answer)


@dataclass(frozen=True)
class StoredExercise:
    prompt: str
    answer: str | None
    solution: str
    options: tuple[Choice, ...]
    words: frozenset[str]

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "StoredExercise":
        return cls(
            prompt=row["prompt"],
            answer=row["answer"],
            solution=row["solution"] or "",
            options=tuple(choices_of(row["options"] or [])),
            words=frozenset(content_words(row["prompt"])),
        )


@dataclass
class CourseExercises:
    """A course's stored exercises, indexed by their content words so that a question is only
    compared with the exercises it could restate."""

    exercises: list[StoredExercise] = field(default_factory=list)
    by_word: dict[str, list[int]] = field(default_factory=dict)

    def add(self, exercise: StoredExercise) -> None:
        for word in exercise.words:
            self.by_word.setdefault(word, []).append(len(self.exercises))
        self.exercises.append(exercise)

    def restated_by(self, question: str) -> list[StoredExercise]:
        said = content_words(question)
        shared = Counter(index for word in said for index in self.by_word.get(word, ()))
        found = []
        for index, count in sorted(shared.items()):
            exercise = self.exercises[index]
            # ``restates`` decides; the count only skips exercises that cannot pass it.
            possible = count >= RESTATED_SHARE * len(exercise.words)
            if possible and restates(question, exercise.prompt):
                found.append(exercise)
        return found


class ExerciseLeaks:
    """The stored-exercise half of the re-run: every course's exercises, loaded once."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.courses: dict[str, CourseExercises] = {}
        for row in rows:
            self.courses.setdefault(str(row["course_id"]), CourseExercises()).add(
                StoredExercise.of(row)
            )

    def leaked(self, course_id: str, question: str, answer: str) -> bool:
        course = self.courses.get(course_id)
        if course is None:
            return False
        _, written = parse_choices(question)
        return any(
            _final_answer(exercise, written).found_in(answer)
            for exercise in course.restated_by(question)
        )


def _final_answer(exercise: StoredExercise, written: Sequence[Choice]) -> FinalAnswer:
    options = {(c.label, c.text): c for c in [*exercise.options, *written]}
    return FinalAnswer.of_exercise(
        exercise.prompt, exercise.answer, exercise.solution, list(options.values())
    )
