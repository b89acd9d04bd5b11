"""Socratic mode's guarantee: the tutor does not hand over an exercise's final answer.

The final answer is taken from the stored key and solution: every number in them that the
exercise's own text does not already give (small whole numbers of the worked solution, such as
"step 2" or "1 - p", only when they are the key itself), and the key itself when it is a short
phrase. Citation markers such as "[1]" are not numbers of the answer. A multiple-choice
exercise forbids every one of its options (``agents/tutor/choices.py``). The streamed answer is
screened word by word (a word is released only once complete), so a leaked final answer is cut
before it reaches the learner.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.tutor.choices import Choice, ForbiddenChoices
from core.words import SMALL_WHOLE_NUMBER, content_words

MINUS_SIGN = "\u2212"
_NUMBER = re.compile(rf"(?<![\w.])[-{MINUS_SIGN}]?\d[\d,]*(?:\.\d+)?%?")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_CITATION_MARKER = re.compile(r"\[\d+\]")
MAX_KEY_PHRASE_WORDS = 6
MASK = "___"
# A message restates an exercise when it holds this share of the exercise's words.
RESTATED_SHARE = 0.8
MIN_RESTATED_WORDS = 3  # content words: "Which of the following is true?" is anybody's


def normalise_number(raw: str) -> str:
    """'1,500.50' → '1500.5'; '-0.450' → '-0.45'; '45%' → '45%'."""
    percent = raw.endswith("%")
    value = raw.rstrip("%").replace(",", "").replace(MINUS_SIGN, "-")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value + ("%" if percent else "")


def numbers_in(text: str) -> set[str]:
    """The numbers written in ``text``, normalised; citation markers do not count."""
    found = {normalise_number(m.group()) for m in _NUMBER.finditer(_CITATION_MARKER.sub(" ", text))}
    return found | {n.rstrip("%") for n in found if n.endswith("%")}


def _small_whole(number: str) -> bool:
    return number.lstrip("-").isdigit() and abs(int(number)) <= SMALL_WHOLE_NUMBER


def _phrase(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def restates(message: str, prompt: str) -> bool:
    """Whether the message holds (nearly) all of an exercise's question, or says exactly what a
    short one says: the learner pasted it."""
    asked, said = content_words(prompt), content_words(message)
    if len(asked) < MIN_RESTATED_WORDS:
        return bool(asked) and said == asked
    return len(asked & said) >= RESTATED_SHARE * len(asked)


@dataclass(frozen=True)
class FinalAnswer:
    """What must not appear in a Socratic answer to one exercise."""

    numbers: frozenset[str] = frozenset()
    phrases: frozenset[str] = frozenset()
    choices: ForbiddenChoices = field(default_factory=ForbiddenChoices)

    @classmethod
    def of_exercise(
        cls, prompt: str, key: str | None, solution: str, options: Sequence[Choice] = ()
    ) -> "FinalAnswer":
        given = numbers_in(prompt)
        worked = {n for n in numbers_in(solution) if not _small_whole(n)}
        numbers = frozenset((numbers_in(key or "") | worked) - given)
        phrase = _phrase(key or "")
        short_key = phrase and len(phrase.split()) <= MAX_KEY_PHRASE_WORDS and not phrase.isdigit()
        # A one-letter key (a multiple-choice letter) would match every "a" in a sentence: the
        # options' own rules forbid it where it is written as an answer.
        phrases = frozenset({phrase} if short_key and len(phrase) > 1 else set())
        return cls(numbers, phrases, ForbiddenChoices.of(options, prompt))

    def __bool__(self) -> bool:
        return bool(self.numbers or self.phrases or self.choices)

    def also_forbidding(self, others: Sequence["FinalAnswer"], given: str) -> "FinalAnswer":
        """This answer and the numbers and phrases of ``others`` (exercises the learner may mean
        as well), except numbers the learner's message ``given`` itself holds."""
        if not others:
            return self
        extra = frozenset().union(*(other.numbers for other in others)) - numbers_in(given)
        phrases = frozenset().union(*(other.phrases for other in others))
        return FinalAnswer(self.numbers | extra, self.phrases | phrases, self.choices)

    def found_in(self, text: str) -> bool:
        if self.numbers & numbers_in(text) or self.choices.found_in(text):
            return True
        padded = f" {_phrase(text)} "
        return any(f" {p} " in padded for p in self.phrases)

    def mask(self, text: str) -> str:
        """The text with every final-answer number blanked, for a worked-steps hint."""

        def blank(match: re.Match[str]) -> str:
            return MASK if normalise_number(match.group()) in self.numbers else match.group()

        return _NUMBER.sub(blank, text)


@dataclass
class LeakGuard:
    """Releases streamed text a whole word at a time and stops at the first final-answer leak.

    With no final answer to keep back (explain mode; in Socratic mode, a question that is no
    stored exercise and lists no options) there is nothing to hold a word for: each piece is
    released as it comes, so the learner's first token is the LLM's first token, not the one
    after it (one token's time: ~40-50 ms on 2 cores).
    """

    answer: FinalAnswer
    released: str = ""
    pending: str = ""
    leaked: bool = field(default=False, init=False)

    def feed(self, text: str) -> str:
        """The part of ``text`` safe to show now ("" once a leak was seen)."""
        if self.leaked:
            return ""
        if not self.answer:
            self.released += text
            return text
        self.pending += text
        cut = max(self.pending.rfind(" "), self.pending.rfind("\n"))
        if cut < 0:
            return ""
        return self._release(self.pending[: cut + 1], self.pending[cut + 1 :])

    def flush(self) -> str:
        """What is left at the end of the stream, if it is safe."""
        if self.leaked:
            return ""
        return self._release(self.pending, "")

    def _release(self, ready: str, rest: str) -> str:
        if self.answer and self.answer.found_in(self.released + ready):
            self.leaked = True
            self.pending = ""
            return ""
        self.released += ready
        self.pending = rest
        return ready
