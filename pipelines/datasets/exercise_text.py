"""An exercise as a question and its worked answer: the text of generated-item and OpenStax rows.

Options are written as the learner would paste them ("a) …" on their own lines), which is also
the shape the tutor's option parser reads, so a held-out multiple-choice question matches a row
however its options were laid out.
"""

import re
from collections.abc import Mapping, Sequence

_LETTER_ONLY = re.compile(r"^\s*\(?[a-h]\)?[.)]?\s*$", re.IGNORECASE)


def question_text(prompt: str, options: Sequence[Mapping[str, str]]) -> str:
    lines = [f"{o['label'].lower()}) {o['text']}" for o in options if o.get("label")]
    return "\n".join([prompt.strip(), *lines]) if lines else prompt.strip()


def answer_text(
    answer: str | None, solution: str, options: Sequence[Mapping[str, str]], unit: str = ""
) -> str:
    """The key first ("The answer is (b) …", with its option's text), then the worked solution or
    rationale, unless the solution is only the key's letter."""
    keyed = {o["label"].lower(): o["text"] for o in options if o.get("label")}
    key = (answer or "").strip()
    if key.lower() in keyed:
        lead = f"The answer is ({key.lower()}) {keyed[key.lower()]}."
    elif key:
        lead = f"The answer is {key}{f' {unit}' if unit else ''}."
    else:
        lead = ""
    rest = "" if _LETTER_ONLY.match(solution) else solution.strip()
    return "\n\n".join(part for part in (lead, rest) if part)
