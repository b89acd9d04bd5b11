"""Words as the text checks compare them: lower case, crudely stemmed, function words apart.

Shared by the tutor's option and final-answer checks, the training-data leak check and the
evidence scorer, so that "monitors", "monitoring" and "monitored" are one word everywhere.
"""

import re

# Whole numbers up to this appear in explanations ("2 steps", "1 - p"): they tell no text apart.
SMALL_WHOLE_NUMBER = 10
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_COMMON = frozenset(
    """
    a an the and or but if of to in on at by for from with without as is are was were be been
    being it its this that these those there their they them he she his her we you your i me my
    not no yes true false none all both neither either above below only also than then so such
    which what who whom whose when where why how do does did can could may might must should would
    will shall has have had more most less least some any each other same very just one two three
    four five six seven eight nine ten
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_SUFFIXES = ("ing", "ed", "es", "s", "e")
MIN_STEM = 4


def words(text: str) -> list[str]:
    """Lower-case words, crudely stemmed ("monitors", "monitoring" and "monitored" are one),
    and numbers."""
    return [stem(w) for w in _TOKEN.findall(text.lower())]


def stem(word: str) -> str:
    """The word without one common English ending, when enough of it is left."""
    if not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM and word[-2:] != "ss":
            return word[: -len(suffix)]
    return word


_COMMON_STEMS = frozenset(map(stem, _COMMON))


def distinctive(word: str) -> bool:
    """Whether a (stemmed) word can tell one text from another: not a function word, not a
    small whole number, three letters at least."""
    if word in _COMMON_STEMS:
        return False
    if word.isdigit():
        return int(word) > SMALL_WHOLE_NUMBER
    return len(word) >= 3


def content_words(text: str) -> set[str]:
    """The words of ``text`` that carry meaning (no function words, no small numbers)."""
    return {w for w in words(text) if distinctive(w)}
