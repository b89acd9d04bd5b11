"""A lesson composed from its sources' own sentences, one section per objective.

The bundled 135M writer does not write lessons a learner can trust: on the statistics book every
paragraph it wrote failed the evidence (``agents.content.grounding``), and its headings copied
the prompt's example. So, as items are built from the book's structure, a lesson is first built
from the book's words: for each objective, the sentences of the topic's sources nearest to it
that a reader of the job's grade can read, one paragraph per source, each citing its source. The
writer may then reword each paragraph (``graphs.content_gen.composition``); a rewording is kept
only when it is prose that keeps the paragraph's terms and the evidence supports every sentence
of it.
"""

import difflib
import re
from collections.abc import Sequence

import numpy as np

from agents.content.grounding import nearest_indices, paragraph_of, source_sentences
from agents.content.readability import flesch_kincaid_grade
from agents.content.schemas import LessonDraft, LessonSection, Paragraph
from core.words import content_words
from rag.evidence import claims_of, numeric

_WORD = re.compile(r"\w+")
# "**41**. You conduct a survey…": exercises from here on, not statements.
_EXERCISE_NUMBER = re.compile(r"\*\*\d+\*\*\.")
# An example's or an exercise's instruction ("Suppose…", "Find…", "Let *X* be…"): not a
# statement of the lesson.
_INSTRUCTION = frozenset(
    {
        *("find", "construct", "calculate", "compute", "determine", "use", "let", "suppose"),
        *("consider", "draw", "make", "show", "list", "complete", "answer", "identify"),
        *("write", "fill", "sketch", "solve"),
    }
)
# A sentence opening on a reference to what came before ("This tells us…", "It is…") says little
# once it stands alone, as a composed paragraph may set it.
_DANGLING = frozenset({"this", "these", "that", "those", "it", "its", "they", "their", "such"})
# Two numbers or more: an example's particulars ("a mean of 90 and a standard deviation of 15").
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
EXAMPLE_NUMBERS = 2
# "…suppose: a." ends on a list's first marker: the sentence goes on in the list.
_LIST_MARKER_END = re.compile(r"(?:^|\s)\(?[a-z0-9]\)?[.)]$", re.IGNORECASE)
# "Use the following information to answer the next two exercises."
_ABOUT_EXERCISES = re.compile(r"\b(?:next|following|these|this)\s+(?:\w+\s+)?exercises?\b", re.I)
# Formulas, code, fill-in blanks, tables and a quoted note inside a sentence: not prose.
_MARKUP = re.compile(r"</?su[bp]>|`|_{3,}|\||\s>\s|\[/?\w+\]")
# "*[Figure: A normal curve. Its peak…]*": a figure's description, to its end (or the text's,
# when a shortened passage cut it).
_FIGURE = re.compile(r"\*?\[Figure:[^\]]*(?:\]\*?|$)")
_CLOSING = "\"')*\u201d\u2019"  # what may follow a sentence's end mark
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
# A statement a lesson takes from its source has at least this many words (a shorter one says
# too little on its own), a sentence of a rewording at least the second; both mostly letters.
STATEMENT_MIN_WORDS = 6
REWORDED_SENTENCE_MIN_WORDS = 3
LETTERS_SHARE = 0.75
# A rewording keeps at least this share of its paragraph's words (it drops no fact).
REWORDING_MIN_LENGTH = 0.4
PARAGRAPHS_PER_SECTION = 2
SECTIONS = 3  # a lesson's most sections (``LessonDraft``): the first objectives get them
HEADING_CHARS = 80
# A rewording that keeps this much of its source's word sequence is the source, not a rewording.
COPY_RATIO = 0.8


def statements(text: str) -> list[str]:
    """The sentences of a source that a lesson can state as they stand: whole sentences of
    prose, not questions, instructions, an example's particulars, references to what came
    before, numbered exercises (nor what follows the first), figure descriptions, formulas or
    lists of numbers."""
    exercises = _EXERCISE_NUMBER.search(text)
    prose = _FIGURE.sub(" ", text[: exercises.start()] if exercises else text)
    found = source_sentences(prose)
    return [_bold_closed(sentence) for sentence in found if _states(sentence)]


def _bold_closed(sentence: str) -> str:
    """A sentence whose bold the split cut ("… called **the mode.**"): closed where it opened,
    dropped where it was left to close."""
    if sentence.count("**") % 2 == 0:
        return sentence
    return sentence[2:].lstrip() if sentence.startswith("**") else f"{sentence}**"


def _states(sentence: str, min_words: int = STATEMENT_MIN_WORDS) -> bool:
    # A question, or no end mark: a sentence cut short (a shortened source) or not a sentence.
    ended = sentence.rstrip(_CLOSING).endswith((".", "!"))
    if not ended or numeric(sentence):
        return False
    if _MARKUP.search(sentence) or _ABOUT_EXERCISES.search(sentence):
        return False
    first = _WORD.search(sentence)
    if first is None or first.group(0).lower() in _INSTRUCTION | _DANGLING:
        return False
    if len(_NUMBER.findall(sentence)) >= EXAMPLE_NUMBERS:
        return False
    if _LIST_MARKER_END.search(sentence.rstrip(_CLOSING)):
        return False
    visible = [c for c in sentence if not c.isspace() and c != "*"]
    letters = sum(c.isalpha() for c in visible)
    return len(_WORD.findall(sentence)) >= min_words and (letters >= LETTERS_SHARE * len(visible))


def heading_of(objective: str) -> str:
    """An objective as a section heading: without its end mark, cut at a word to fit."""
    text = objective.strip().rstrip(".!?").strip()
    if len(text) <= HEADING_CHARS:
        return text
    return text[: text.rfind(" ", 0, HEADING_CHARS - 1)].rstrip(",;:") + "…"


def compose(
    objectives: Sequence[str],
    sources: Sequence[Sequence[str]],
    closeness: np.ndarray,
    max_grade: float | None,
    floor: float,
) -> LessonDraft | None:
    """One section per objective, made of the sources' statements nearest to it.

    ``sources`` holds each source's statements; ``closeness`` is objectives × every statement
    (the sources' statements one after another). A section's first paragraph comes from the
    source holding the statement nearest to its objective, a second from the next such source
    when its nearest statement is at least ``floor`` close; no statement is used twice, nor one
    above ``max_grade`` (unless none is below). None when no source has a statement."""
    starts = np.cumsum([0, *(len(found) for found in sources)])
    every = [sentence for found in sources for sentence in found]
    # Statements too hard for the reader count as used from the start.
    used = {
        i
        for i, sentence in enumerate(every)
        if max_grade is not None and flesch_kincaid_grade(sentence) > max_grade
    }
    if len(used) == len(every):
        used = set()
    sections = []
    for o, objective in enumerate(objectives[:SECTIONS]):
        paragraphs: list[Paragraph] = []
        for _ in range(PARAGRAPHS_PER_SECTION):
            picked = _nearest_source(sources, starts, closeness[o], used)
            if picked is None or (paragraphs and picked[1] < floor):
                break
            source, own = picked[0], sources[picked[0]]
            free = [i for i in range(len(own)) if starts[source] + i not in used]
            near = closeness[o, [starts[source] + i for i in free]]
            found = nearest_indices([own[i] for i in free], near)
            chosen = [free[i] for i in found]
            used.update(starts[source] + i for i in chosen)
            paragraphs.append(Paragraph(text=paragraph_of(own, chosen), source=source + 1))
        if paragraphs:
            sections.append(LessonSection(heading=heading_of(objective), paragraphs=paragraphs))
    return LessonDraft(sections=sections) if sections else None


def _nearest_source(
    sources: Sequence[Sequence[str]], starts: np.ndarray, closeness: np.ndarray, used: set[int]
) -> tuple[int, float] | None:
    """The source holding the unused statement nearest to the objective, and how near it is."""
    best: tuple[int, float] | None = None
    for source in range(len(sources)):
        near = [
            float(closeness[starts[source] + i])
            for i in range(len(sources[source]))
            if starts[source] + i not in used
        ]
        if near and (best is None or max(near) > best[1]):
            best = (source, max(near))
    return best


def copies(rewording: str, source: str) -> bool:
    """Whether a rewording keeps most of its source's word sequence (then it is a quotation)."""
    ours, theirs = _WORD.findall(rewording.lower()), _WORD.findall(source.lower())
    return difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio() >= COPY_RATIO


def fits_as_rewording(rewording: str, quoted: str) -> bool:
    """Whether a rewording may stand for a quoted paragraph, before the evidence weighs it:
    every sentence of it is prose a lesson can state, it names every term the paragraph sets
    in bold, it is not much shorter (no fact dropped), not the quotation again, and reads no
    harder."""
    sentences = claims_of(rewording)
    if not sentences or not all(
        _states(sentence, REWORDED_SENTENCE_MIN_WORDS) for sentence in sentences
    ):
        return False
    ours = content_words(rewording)
    if any(not content_words(term) <= ours for term in _BOLD.findall(quoted)):
        return False
    if len(_WORD.findall(rewording)) < REWORDING_MIN_LENGTH * len(_WORD.findall(quoted)):
        return False
    harder = flesch_kincaid_grade(rewording) > flesch_kincaid_grade(quoted)
    return not copies(rewording, quoted) and not harder
