"""An item's hint ladder: the writer's hints, kept only when a learner can use them, completed
from the material.

The bundled writer's hints were mostly not hints ("./nonspecific", "}{3}", a paragraph about
something else), and no check read them. A hint is kept when it is a sentence (a capital, an end
mark, no markup, no run of letters no dictionary holds), about the question (it shares a word with
the stem, the passage or the objective) and does not give the answer away (it does not hold every
word of it). The ladder then runs from where to look, through the writer's usable hints and a
second sentence of the passage that uses the answer (blanked), to the answer's shape (a
computation's: the method; a multiple-choice item's: ruling options out, before the shape, which
would point at one option); the first ``HINTS_PER_ITEM`` of those are the item's hints.
"""

import re
from dataclasses import dataclass

from core.words import content_words
from rag.evidence import claims_of

HINTS_PER_ITEM = 3
MIN_HINTS = 2
MIN_WORDS = 4
LONGEST_WORD = 20  # letters; a longer "word" is a run of junk
_MARKUP = re.compile(r"[{}\[\]<>|_\\/#=`*^~@$]")
_EDGE_PUNCTUATION = ".,;:!?\"'()\u201c\u201d\u2018\u2019"
BLANK = "____"
# Section titles that tell a learner nothing about where to look.
UNTELLING_TITLES = frozenset({"introduction", "review", "summary", "key terms", "glossary"})


@dataclass(frozen=True)
class HintContext:
    """What a hint is judged against and built from."""

    stem: str
    answer: str
    objective: str
    passage: str | None = None
    lesson_title: str | None = None
    numeric: bool = False
    multiple_choice: bool = False

    @property
    def about(self) -> str:
        return " ".join(
            text for text in (self.stem, self.objective, self.passage, self.lesson_title) if text
        )


def gives_away(hint: str, answer: str) -> bool:
    """Whether the hint holds every meaningful word of the answer."""
    wanted = content_words(answer)
    return bool(wanted) and wanted <= content_words(hint)


def is_sentence(text: str) -> bool:
    """A sentence a learner can read: a capital first, an end mark last, at least a few words,
    no markup and no run of junk letters."""
    words = text.split()
    closing = text.rstrip('\u201d"')
    if len(words) < MIN_WORDS or not text[0].isupper() or not closing.endswith((".", "!", "?")):
        return False
    if _MARKUP.search(text.replace(BLANK, "")):
        return False
    return all(len(word.strip(_EDGE_PUNCTUATION)) <= LONGEST_WORD for word in words)


def usable(hint: str, context: HintContext) -> bool:
    """A sentence about the question that does not give its answer away."""
    text = hint.strip()
    return (
        is_sentence(text)
        and not gives_away(text, context.answer)
        and bool(content_words(text) & content_words(context.about))
    )


def where_to_look(context: HintContext) -> str:
    """The first rung: where the answer is stated (the lesson, unless its title gives it away)."""
    title = context.lesson_title
    titled = f"Reread “{title}”: the answer is stated there."
    telling = title is not None and title.strip().lower() not in UNTELLING_TITLES
    if telling and not gives_away(titled, context.answer) and is_sentence(titled):
        return titled
    return "Reread the passage of your lesson that this question comes from: it states the answer."


def second_sentence(context: HintContext) -> str | None:
    """A sentence of the passage, other than the one the stem was made from, that uses the
    answer, with the answer blanked."""
    if not context.passage or context.numeric:
        return None
    pattern = re.compile(re.escape(context.answer), re.IGNORECASE)
    stem_words = content_words(context.stem)
    for sentence in claims_of(context.passage):
        words = content_words(sentence)
        from_the_stem = len(words & stem_words) >= len(words) / 2
        if pattern.search(sentence) and not from_the_stem and len(sentence) <= 240:
            plain = pattern.sub(BLANK, sentence).replace("*", "")
            return f"The same passage also says: “{plain}”"
    return None


def answer_shape(context: HintContext) -> str | None:
    """The last rung: how long the answer is and how it begins."""
    first = next((character for character in context.answer if character.isalnum()), None)
    if context.numeric or first is None:
        return None
    count = len(context.answer.split())
    words = "word" if count == 1 else "words"
    return f"The answer is {count} {words} long and begins with “{first}”."


def method(context: HintContext) -> str | None:
    """A computation's middle rung: what to do with the numbers (it has no shape to give)."""
    if not context.numeric:
        return None
    return (
        f"Write down the values the question gives, then work through the method of "
        f"“{context.objective.rstrip('.')}” one step at a time."
    )


def elimination(context: HintContext) -> str | None:
    """A multiple-choice item's rung: rule options out. It needs nothing from the writer, so
    such an item has two hints even when its answer has no letter to describe (a 20-topic job of
    2026-12-05 stored a junk item with one hint)."""
    if not context.multiple_choice:
        return None
    return "Check each option against the passage and rule out the ones it contradicts."


def hint_ladder(written: list[str], context: HintContext) -> list[str]:
    """The item's hints: where to look, the writer's usable ones, a second sentence of the
    passage, the method or the elimination of options, the answer's shape; the first
    ``HINTS_PER_ITEM`` of them, each once. A rung built from the material is held to what the
    check asks too (a passage's sentence may be code)."""
    rungs = [
        where_to_look(context),
        *(hint.strip() for hint in written if usable(hint, context)),
        second_sentence(context),
        method(context),
        elimination(context),
        answer_shape(context),
    ]
    readable = (
        rung
        for rung in rungs
        if rung and is_sentence(rung) and not gives_away(rung, context.answer)
    )
    return list(dict.fromkeys(readable))[:HINTS_PER_ITEM]
