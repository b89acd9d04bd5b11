"""Quiz items built from what the course's material states, before any LLM writes a word.

- A glossary **definition** becomes a multiple-choice item: the stem is the definition (the term
  blanked where the definition names it), the key is the term, the distractors are the other
  defined terms nearest to it (the key's own chapter first), never a synonym of the key.
- A **sentence** of the sources that uses a defined term becomes a cloze (short-answer) item with
  the term blanked; a definition that names its own term ("A *statement* describes …") serves
  when no other sentence does.
- A **review question** of the book (an imported multiple-choice exercise with its key) close to
  the objective is reused as it stands, attributed to its lesson.

Every option's rationale is the material's own definition of that option, so the rationales are
right by construction. The LLM then rewords the stem and writes the hints
(``graphs.content_gen.structure``); the evidence checks judge the result either way.
"""

import re
import textwrap
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from agents.content.schemas import ChoiceOption, MultipleChoiceItem, ShortAnswerItem
from core.words import content_words

BLANK = "____"
DEFINITION_STEM = 'Which term is described here: "{definition}"?'
CLOZE_STEM = "Fill in the blank: {sentence}"
KEY_RATIONALE = "Right: {lesson} defines {term} this way."
DISTRACTOR_RATIONALE = "Not this one. {term}: {definition}"
CLOZE_RUBRIC = "Names the term '{term}'"
REVIEW_KEY_RATIONALE = "Right: the book's answer to this review question of {lesson}."
REVIEW_OTHER_RATIONALE = "Not the book's answer to this review question of {lesson}."
# Shorter than the stem's 240 characters, leaving room for the stem's own words.
MAX_DEFINITION_CHARS = 200
MAX_OPTION_CHARS = 120
MAX_STEM_CHARS = 240
MAX_RATIONALE_CHARS = 160
MIN_DEFINITION_WORDS = 4
_TEMPLATE_WORDS = content_words(DEFINITION_STEM + " " + CLOZE_STEM)
# A rewording that keeps less of the built stem's words has changed the question ("sample-size"
# for a definition of sample size was one).
REWORDING_WORDS_KEPT = 0.5
CLOZE_WORDS = (6, 40)
_CLAUSE_END = re.compile(r"(?<=[.;])\s+")
# A definition that leans on what came before it ("This is an example of …") or on what follows
# it ("… is given by the formula:") cannot stand alone as a question.
_NEEDS_CONTEXT = re.compile(r"^\s*(?:this|these|that|those|it|they|here)\b|:\s*$", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


@dataclass(frozen=True)
class Definition:
    """One defined term of the course: its glossary passage and where it comes from."""

    term: str
    meaning: str
    lesson_title: str
    chapter_title: str
    similarity: float = 0.0  # to the text it was retrieved for

    @property
    def passage(self) -> str:
        return f"{self.term}: {self.meaning}"


# Where a quiz item came from: built from a glossary definition, a source sentence, one of the
# book's own review questions, or drafted by the LLM.
ItemOrigin = Literal["definition", "cloze", "review", "llm"]


@dataclass(frozen=True)
class ReviewQuestion:
    """One of the book's own multiple-choice exercises, with its key."""

    item_id: str
    prompt: str
    options: list[str]
    key: int
    lesson_title: str
    similarity: float = 0.0  # to the text it was retrieved for


@dataclass(frozen=True)
class StructuredItem:
    """An item built from the material, with the passage that settles it."""

    item: MultipleChoiceItem | ShortAnswerItem
    term: str  # what the item asks for (a review question: its id), used once per topic
    passage: str  # the text the item was built from: its answer is stated there
    source_title: str
    origin: ItemOrigin


def term_pattern(term: str) -> re.Pattern[str]:
    """The term as a whole word or phrase, any case, plural too ("statement", "Statements")."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?:s|es)?(?!\w)", re.IGNORECASE)


def mentions(text: str, term: str) -> bool:
    return bool(term_pattern(term).search(text))


def masked(text: str, term: str) -> str:
    return term_pattern(term).sub(BLANK, text)


def _shortened(text: str, width: int) -> str:
    return textwrap.shorten(text, width, placeholder=" …")


def _leading_clauses(text: str, width: int) -> str:
    """As many whole sentences or clauses of ``text`` as fit ``width`` ("" when none does)."""
    kept = ""
    for clause in _CLAUSE_END.split(text.strip()):
        longer = f"{kept} {clause}".strip()
        if len(longer) > width:
            break
        kept = longer
    return kept.rstrip(";")


def _synonymous(candidate: Definition, key: Definition, synonym_similarity: float) -> bool:
    """Whether a candidate may mean what the key means: the terms share a word, one is named in
    the other's definition ("average: also called mean …"), or their passages are nearly one."""
    if content_words(candidate.term) & content_words(key.term):
        return True
    if mentions(key.meaning, candidate.term) or mentions(candidate.meaning, key.term):
        return True
    return candidate.similarity >= synonym_similarity


def distractors_for(
    key: Definition, candidates: Iterable[Definition], count: int, synonym_similarity: float
) -> list[Definition]:
    """The ``count`` defined terms nearest to the key (its chapter first), none a synonym of it
    nor of each other."""
    ordered = sorted(
        candidates, key=lambda d: (d.chapter_title != key.chapter_title, -d.similarity)
    )
    chosen: list[Definition] = []
    for candidate in ordered:
        if len(candidate.term) > MAX_OPTION_CHARS or candidate.term.lower() == key.term.lower():
            continue
        if _synonymous(candidate, key, synonym_similarity):
            continue
        if any(_synonymous(candidate, other, 1.0) for other in chosen):
            continue
        chosen.append(candidate)
        if len(chosen) == count:
            break
    return chosen


def _checkable(term: str) -> bool:
    """Whether a term can be an answer: short enough for an option, and with a word a passage
    can be searched for ("=" has none: no check could confirm that a passage states it)."""
    return len(term) <= MAX_OPTION_CHARS and bool(content_words(term))


def key_position(term: str, options: int) -> int:
    """Where the key goes: spread over the positions, the same for the same term every run."""
    return zlib.crc32(term.lower().encode()) % options


def definition_item(
    key: Definition, candidates: Sequence[Definition], synonym_similarity: float
) -> StructuredItem | None:
    """A multiple-choice item asking for the term a definition describes, or None when the
    definition is too short or too long to ask, or too few fair distractors exist."""
    definition = _leading_clauses(masked(key.meaning, key.term), MAX_DEFINITION_CHARS)
    if len(content_words(definition)) < MIN_DEFINITION_WORDS or not _checkable(key.term):
        return None
    if _NEEDS_CONTEXT.search(definition):
        return None
    others = distractors_for(key, candidates, 3, synonym_similarity)
    if len(others) < 3:
        return None
    wrong = [
        ChoiceOption(
            text=other.term,
            rationale=_shortened(
                DISTRACTOR_RATIONALE.format(term=other.term, definition=other.meaning),
                MAX_RATIONALE_CHARS,
            ),
        )
        for other in others
    ]
    right = ChoiceOption(
        text=key.term,
        rationale=_shortened(
            KEY_RATIONALE.format(lesson=key.lesson_title, term=key.term), MAX_RATIONALE_CHARS
        ),
    )
    position = key_position(key.term, 4)
    options = [*wrong[:position], right, *wrong[position:]]
    item = MultipleChoiceItem(
        stem=DEFINITION_STEM.format(definition=definition), options=options, key=position
    )
    return StructuredItem(item, key.term, key.passage, key.lesson_title, "definition")


def cloze_sentence(term: str, texts: Iterable[str]) -> str | None:
    """The first sentence of ``texts`` that uses the term and is long enough to be a fair
    question, but not so long that it fits no stem."""
    low, high = CLOZE_WORDS
    for text in texts:
        for sentence in _SENTENCE.findall(text):
            sentence = " ".join(sentence.split())
            fair = low <= len(sentence.split()) <= high and not _NEEDS_CONTEXT.search(sentence)
            if fair and mentions(sentence, term):
                return sentence
    return None


def cloze_item(key: Definition, sources: Sequence[tuple[str, str]]) -> StructuredItem | None:
    """A fill-in-the-blank item on a defined term, from a source sentence (``sources``: (title,
    text) pairs) or from the term's own definition when it names the term; None otherwise."""
    if not _checkable(key.term):
        return None
    candidates = [*sources, (key.lesson_title, key.meaning)]
    for title, text in candidates:
        sentence = cloze_sentence(key.term, [text])
        if sentence is None:
            continue
        stem = CLOZE_STEM.format(sentence=masked(sentence, key.term))
        if len(stem) > 240:
            continue
        item = ShortAnswerItem(
            stem=stem,
            model_answer=key.term,
            rubric=[_shortened(CLOZE_RUBRIC.format(term=key.term), MAX_OPTION_CHARS)],
        )
        return StructuredItem(item, key.term, text, title, "cloze")
    return None


def keeps_the_question(built: str, reworded: str, answer: str) -> bool:
    """Whether an LLM's rewording of a built stem may replace it: it is still asked the same way
    (a question stays a question, a blank stays a blank), it does not give the answer away (by
    name or by all its words) and it keeps at least half of what the built stem says."""
    if not _same_form(built, reworded):
        return False
    if mentions(reworded, answer) or states_the_answer(reworded, answer):
        return False
    said = content_words(built) - content_words(answer) - _TEMPLATE_WORDS
    kept = len(said & content_words(reworded)) / max(1, len(said))
    return kept >= REWORDING_WORDS_KEPT


def _same_form(built: str, reworded: str) -> bool:
    """The bundled model turned built stems into titles ("The Standard Distribution" for a cloze,
    "A Committee Trained on Research Involving Human Subjects" for a question)."""
    if built.rstrip().endswith("?"):  # a question (its blank, if any, only masks the term)
        return reworded.rstrip().endswith("?")
    return BLANK not in built or BLANK in reworded


def states_the_answer(passage: str, answer: str) -> bool:
    """Whether every meaningful word of the answer appears in the passage: the check that a key
    is stated by its cited passage, independent of any scorer."""
    wanted = content_words(answer)
    return bool(wanted) and wanted <= content_words(passage)


def review_item(question: ReviewQuestion, passage: str) -> StructuredItem | None:
    """The book's review question as an item, its wording untouched, attributed to its lesson;
    None when it does not fit an item (four options, a stem and options short enough)."""
    if len(question.options) != 4 or not 0 <= question.key < 4:
        return None
    if len(question.prompt) > MAX_STEM_CHARS or any(
        not 0 < len(option) <= MAX_OPTION_CHARS for option in question.options
    ):
        return None
    lesson = question.lesson_title
    options = [
        ChoiceOption(
            text=text,
            rationale=_shortened(
                (REVIEW_KEY_RATIONALE if index == question.key else REVIEW_OTHER_RATIONALE).format(
                    lesson=lesson
                ),
                MAX_RATIONALE_CHARS,
            ),
        )
        for index, text in enumerate(question.options)
    ]
    item = MultipleChoiceItem(stem=question.prompt, options=options, key=question.key)
    return StructuredItem(item, f"review {question.item_id}", passage, lesson, "review")
