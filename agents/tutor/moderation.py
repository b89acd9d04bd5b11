"""Safety screen of a learner's message, run before anything is retrieved or generated.

The screen is deliberately a transparent rule set: every refusal can be explained to a teacher
by the pattern that triggered it, and it costs nothing per turn. It errs on the side of care for
minors (a false positive is a kind refusal and a note to the teacher, not a punishment).
"""

import enum
import re

from core.pii import scrub


class SafetyCategory(enum.StrEnum):
    SELF_HARM = "self_harm"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"


def _patterns(*expressions: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{e})" for e in expressions), re.IGNORECASE)


_SELF_HARM = _patterns(
    r"\bsuicid\w*",
    r"\bself[- ]?harm\w*",
    r"\b(?:kill|hurt|harm|cut|starve)(?:ing)?\s+my\s*self\b",
    r"\bend(?:ing)?\s+(?:my\s+life|it\s+all)\b",
    r"\b(?:want|wanna|going)\s+(?:to\s+)?die\b",
    r"\bdon'?t\s+want\s+to\s+(?:live|be\s+alive|exist)\b",
    r"\bno\s+reason\s+to\s+live\b",
)
_ABUSE = _patterns(
    r"\b(?:abus(?:e|ed|es|ing)|molest\w*|groom(?:ed|ing)|rap(?:e|ed))\b",
    r"\b(?:hits?|beats?|kicks?|chokes?|punch(?:es)?|slaps?)\s+me\b",
    r"\b(?:touch(?:es|ed)?)\s+me\s+(?:in\s+a\s+way|where|when|and\s+i)\b",
    r"\bsomeone\s+is\s+(?:hurting|threatening)\s+me\b",
    r"\b(?:i\s+am|i'm)\s+(?:scared|afraid)\s+(?:of|to\s+go)\s+(?:home|my\s+\w+)\b",
)
_SHARING = _patterns(
    r"\bmy\s+(?:home\s+)?address\s+is\b",
    r"\bi\s+live\s+(?:at|on)\s+\d+",
    r"\bmy\s+(?:phone|mobile|cell)(?:\s+number)?\s+is\b",
    r"\bmy\s+password\s+is\b",
    r"\bmy\s+(?:social\s+security|ssn)\b",
)


def screen(message: str) -> SafetyCategory | None:
    """The first safety category the message falls in, or None when it is safe to answer."""
    if _SELF_HARM.search(message):
        return SafetyCategory.SELF_HARM
    if _ABUSE.search(message):
        return SafetyCategory.ABUSE
    if _SHARING.search(message) or scrub(message) != message:
        return SafetyCategory.PERSONAL_DATA
    return None
