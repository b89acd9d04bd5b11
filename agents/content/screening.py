"""Screen of generated text for content that must not reach learners.

A transparent rule set, like the tutor's safety screen: every rejection names the pattern family
that triggered it, so a reviewer sees why. Personal data (e-mail addresses, phone numbers) is
caught by the analytics scrubber's patterns.
"""

import re

from core.pii import scrub


def _patterns(*expressions: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{e})" for e in expressions), re.IGNORECASE)


BANNED: dict[str, re.Pattern[str]] = {
    "violence": _patterns(
        r"\b(?:how\s+to\s+)?(?:make|build)\s+(?:a\s+)?(?:bomb|explosive|weapon)s?\b",
        r"\bkill\s+(?:yourself|him|her|them|people)\b",
    ),
    "self_harm": _patterns(r"\bsuicid\w*", r"\bself[- ]?harm\w*"),
    "sexual": _patterns(r"\bporn\w*", r"\bsexually\s+explicit\b", r"\bnude\b"),
    "hate": _patterns(r"\b(?:inferior|subhuman)\s+(?:race|people)\b", r"\bethnic\s+cleansing\b"),
}


def banned_categories(text: str) -> list[str]:
    """The categories ``text`` falls in (empty when it is clean)."""
    found = [name for name, pattern in BANNED.items() if pattern.search(text)]
    if scrub(text) != text:
        found.append("personal_data")
    return found
