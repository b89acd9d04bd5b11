"""Multiple-choice exercises in Socratic mode: the tutor asserts none of the options.

Options come from a stored exercise (its ``options`` and key letter) or from the learner's own
message ("a) … b) …", "A. …", "(c) …"), so a question pasted from anywhere is protected too.
Forbidding only the key would leak it by elimination, so every option is forbidden:

- its letter written as an answer: "C)", "(c)", "C." opening a line, "answer is C", "option c",
  "C is correct";
- its text anywhere, when the text is distinctive: a sentence (or two in a row) holding most of
  the option's own words (those neither in the question nor shared by every option) names it;
  each part of an option that makes several claims ("hypothalamus; 36.5 °C") counts alone;
- its text written as an answer ("the answer is yes"), for options too short or too common
  ("yes", "none of the above", "4") to be forbidden in every sentence.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.words import content_words, distinctive, words

# A sentence naming an option holds at least this share of the option's distinctive words.
NAMING_SHARE = 0.75
# A passage sentence worth quoting in a guiding question: long enough to say something.
QUOTE_CHARS = (40, 220)
QUOTES = 3
_SENTENCE = re.compile(r"[^.!?\n]+")
# "(c) ", "c) ", "C. " after a line start or a space; the letter's case and the marks make a style.
_MARKER = re.compile(r"(?:(?<=\s)|^)(\()?([a-hA-H])([.)])(?=\s)", re.MULTILINE)
_MARKUP = re.compile(r"<[^>]*>|[*_`#>|\[\]]+")
_TRAILING_JOINER = re.compile(r"[\s,;]+(?:or|and)?\s*$")
_ASSERTS = r"(?:is|would be|should be|must be|will be|=|:)"
_VERDICT = r"(?:correct|right|true|best|the answer|the right answer|the correct answer)"


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice exercise: its letter (lower case) and its text."""

    label: str
    text: str


def choices_of(options: Iterable[Mapping[str, str]]) -> list[Choice]:
    """Stored options (``{"label", "text"}``, as the importer and the content store write them)."""
    return [Choice(o["label"].lower(), o["text"]) for o in options if o.get("label")]


def parse_choices(message: str) -> tuple[str, list[Choice]]:
    """The question and the options written in a message: the longest run of markers in one
    style that counts a, b, c… in order (two at least); no options when there is no such run."""
    markers = list(_MARKER.finditer(message))
    best: list[re.Match[str]] = []
    for style in {_style(m) for m in markers}:
        run = _lettered_run([m for m in markers if _style(m) == style])
        best = run if len(run) > len(best) else best
    if len(best) < 2:
        return message.strip(), []
    ends = [m.start() for m in best[1:]] + [_line_end(message, best[-1].end())]
    choices = [
        Choice(m.group(2).lower(), _TRAILING_JOINER.sub("", message[m.end() : end]).strip())
        for m, end in zip(best, ends, strict=True)
    ]
    return message[: best[0].start()].strip(), choices


def _style(marker: re.Match[str]) -> tuple[bool, str, bool]:
    return bool(marker.group(1)), marker.group(3), marker.group(2).isupper()


def _lettered_run(markers: list[re.Match[str]]) -> list[re.Match[str]]:
    run: list[re.Match[str]] = []
    for marker in markers:
        if marker.group(2).lower() == chr(ord("a") + len(run)):
            run.append(marker)
    return run


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


@dataclass(frozen=True)
class ForbiddenChoices:
    """What a Socratic answer to one multiple-choice exercise must not say."""

    labels: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()  # each option's text as words, for the answer-asserting forms
    naming_words: tuple[frozenset[str], ...] = ()  # each option's distinctive words

    @classmethod
    def of(cls, choices: Sequence[Choice], question: str) -> "ForbiddenChoices":
        """Every option of ``choices``; words of ``question`` do not name an option."""
        given = set(words(question))
        own = [_own_words(c.text, given) for c in choices]
        named = [w for w in own if w]
        shared = set.intersection(*named) if len(named) > 1 else set()
        # "hypothalamus; 97.7-99.5 F" makes two claims: naming either one narrows the answer.
        parts = [_own_words(part, given) - shared for c in choices for part in c.text.split(";")]
        return cls(
            labels=frozenset(c.label for c in choices),
            phrases=tuple(p for c in choices if (p := " ".join(words(c.text)))),
            naming_words=tuple(frozenset(part) for part in parts if part),
        )

    def __bool__(self) -> bool:
        return bool(self.labels)

    def found_in(self, text: str) -> bool:
        """Whether ``text`` asserts, names or quotes one of the options."""
        if not self:
            return False
        return (
            _label_pattern(self.labels).search(text) is not None
            or self._asserted_text(" ".join(words(text)))
            or any(self._names(passage) for passage in _sentence_pairs(text))
        )

    def _asserted_text(self, plain: str) -> bool:
        return any(
            re.search(rf"\banswer (?:{_ASSERTS} )?(?:the )?(?:option )?{re.escape(p)}\b", plain)
            or re.search(rf"\b{re.escape(p)} (?:is|seems|would be) {_VERDICT}\b", plain)
            for p in self.phrases
        )

    def _names(self, passage: str) -> bool:
        present = set(words(passage))
        return any(
            len(option & present) >= math.ceil(NAMING_SHARE * len(option))
            for option in self.naming_words
        )


def named_options(text: str, choices: Sequence[Choice], question: str) -> list[str]:
    """The labels of the options ``text`` names (by letter, by its words, or as the answer)."""
    return [c.label for c in choices if ForbiddenChoices.of([c], question).found_in(text)]


def _own_words(text: str, given: set[str]) -> set[str]:
    return content_words(text) - given


def _sentence_pairs(text: str) -> list[str]:
    """Each sentence with the next one: a paraphrase spreads an option over two sentences."""
    sentences = _SENTENCE.findall(text)
    return [" ".join(sentences[i : i + 2]) for i in range(len(sentences))]


def _label_pattern(labels: frozenset[str]) -> re.Pattern[str]:
    """A letter written as an answer, in the forms a tutor (or a model) writes one."""
    lower = "".join(sorted(labels))
    upper = lower.upper()
    letter = rf"\**(?:[{lower}{upper}])\**"
    forms = [
        rf"\(\s*[{lower}{upper}]\s*\)",  # (c)
        rf"(?<![\w(])[{lower}{upper}]\)",  # c)
        rf"(?m:^\W{{0,3}}[{lower}{upper}][.:]\s)",  # "C. text" opening a line
        rf"\b(?:option|choice|letter)s?\W{{0,3}}(?:{_ASSERTS}\W*)?{letter}(?![\w'])",
        # After "answer is" a lower-case "a" is an article unless the clause ends with it.
        rf"\b(?:answer|pick|choose|select|go with)\w*\W{{0,3}}(?:{_ASSERTS}\W*)?(?:the\W+)?"
        rf"(?:(?-i:\**[{upper}]\**)(?![\w'])|(?-i:\**[{lower}]\**)(?=\s*(?:[^\w\s]|$)))",
        rf"(?<![\w'])(?-i:[{upper}])\)?\W{{0,2}} (?:is|seems|would be) (?:the )?{_VERDICT}",
    ]
    return re.compile("|".join(forms), re.IGNORECASE)


def passage_sentences(text: str, question: str) -> list[str]:
    """The passage's sentences that share most words with the question, best first: what a
    guiding question quotes (the caller drops any that names an option)."""
    asked = {w for w in words(question) if distinctive(w)}
    low, high = QUOTE_CHARS
    scored = [
        (len(asked & set(words(s))), " ".join(s.split()) + ".")
        for s in _SENTENCE.findall(_MARKUP.sub(" ", text))
        if low <= len(s.strip()) <= high and "figure" not in s.lower()
    ]
    ranked = sorted((item for item in scored if item[0]), key=lambda item: -item[0])
    return [sentence for _, sentence in ranked[:QUOTES]]
