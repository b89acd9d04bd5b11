"""Personal data scrubbed once more from every message, whatever its source: the capture scrubbed
tutor turns already, but the patterns improve over time, and OpenStax text or a reviewer's edit
never went through them. A row with nothing left to learn from once scrubbed is dropped."""

import re
from dataclasses import replace

from core import pii
from pipelines.datasets.rows import DatasetRow, Message

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_PLACEHOLDERS = re.compile(
    "|".join(
        re.escape(p)
        for p in (pii.EMAIL, pii.PHONE, pii.NAME, pii.CARD, pii.SSN, pii.IP, pii.ADDRESS, pii.QUERY)
    )
)


def scrubbed(row: DatasetRow) -> DatasetRow | str:
    """The row with every message scrubbed, or why it is dropped (``empty``: a user or assistant
    message with no words; ``pii_only``: one that had nothing but personal data)."""
    # System messages are the pipeline's own words (``prompts``): nothing personal to scrub.
    messages = tuple(
        m if m.role == "system" else Message(m.role, pii.scrub(m.content)) for m in row.messages
    )
    for original, clean in zip(row.messages, messages, strict=True):
        if original.role == "system":
            continue
        if not _LETTER_OR_DIGIT.search(original.content):
            return "empty"
        if not _LETTER_OR_DIGIT.search(_PLACEHOLDERS.sub(" ", clean.content)):
            return "pii_only"
    return replace(row, messages=messages)
