"""Explain mode's guarantee: what the tutor asserts comes from the course material, not from the
model's guess.

- A multiple-choice question is answered with the option the evidence scorer
  (``rag/evidence.py``) ranks first: the tutor states it and cites the passage; the LLM only
  explains. An explanation that picks another option is replaced by the passage's own words.
  When the evidence does not settle the question, no option is presented as the answer.
- Any other answer is split into its claims (its statements, not its questions), each scored
  against the course; an answer the material does not support says so.
"""

import re
from collections.abc import Sequence

from agents.tutor import policy
from agents.tutor.choices import Choice, named_options, passage_sentences
from agents.tutor.citations import Source

_CLAIM = re.compile(r"[^.!?\n]+[.!?]?")
_MARKER = re.compile(r"\[\d{1,2}\]")
_BEFORE_STOP = re.compile(r"[ \t]+([.!?,;:])")
# A statement shorter than this ("Good question!", "Let's see.") claims nothing about the course.
MIN_CLAIM_WORDS = 4
MAX_CLAIMS = 8


def claims_of(answer: str) -> list[str]:
    """The statements of an answer, without citation markers: what the material must support."""
    plain = _BEFORE_STOP.sub(r"\1", _MARKER.sub("", answer))
    found = [" ".join(m.group().split()) for m in _CLAIM.finditer(plain)]
    claims = [c for c in found if not c.endswith("?") and len(c.split()) >= MIN_CLAIM_WORDS]
    return claims[:MAX_CLAIMS]


def contradicts(explanation: str, choices: Sequence[Choice], stem: str, pick: str) -> bool:
    """Whether an explanation names an option other than the one the evidence picks."""
    return bool(set(named_options(explanation, choices, stem)) - {pick})


def supporting_quote(passage: Source, stem: str, choices: Sequence[Choice], pick: str) -> str:
    """The passage's sentence that best answers the question and names no other option."""
    others = [c for c in choices if c.label != pick]
    picked = next((c.text for c in choices if c.label == pick), "")
    return next(
        (
            sentence
            for sentence in passage_sentences(passage.text, f"{stem} {picked}")
            if not named_options(sentence, others, stem)
        ),
        "",
    )


def explained_choice(
    answer: str, lead: str, choices: Sequence[Choice], stem: str, pick: str, passage: Source
) -> str:
    """An explain-mode answer as the evidence has it: the tutor's lead (the supported option and
    its passage) and the LLM's explanation when it agrees; when the explanation picks another
    option, or says nothing, the passage's own words instead."""
    explanation = answer.removeprefix(lead).strip()
    if not explanation or contradicts(explanation, choices, stem, pick):
        quote = supporting_quote(passage, stem, choices, pick)
        explanation = policy.evidence_reason(passage, quote)
    return f"{lead} {explanation}"


def unsettled_choice(answer: str, choices: Sequence[Choice], stem: str) -> str:
    """An explain-mode answer when the material does not settle the question: the LLM's
    sentences that pick no option (its guess is not presented as the answer), and a note that
    says so."""
    kept = " ".join(
        sentence
        for m in _CLAIM.finditer(answer)
        if (sentence := m.group().strip()) and not named_options(sentence, choices, stem)
    )
    if named_options(kept, choices, stem):  # an option named across two sentences
        kept = ""
    return f"{kept}\n\n{policy.UNSETTLED}".strip()
