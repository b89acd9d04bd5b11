"""The item writer's answers must read as words; a stored item is held to its own model only."""

import pytest
from pydantic import TypeAdapter, ValidationError

from agents.content.schemas import (
    ITEM_SCHEMAS,
    MultipleChoiceItem,
    NumericItem,
    QuizItem,
    RewordedStem,
    ShortAnswerItem,
)

OPTIONS = [{"text": text, "rationale": "Because."} for text in ("Lists", "Tuples", "Sets", "Ints")]
# The bundled writer's stem in a 20-topic job of 2026-12-05, beside wordless answers.
WORDLESS = [
    {"kind": "multiple_choice", "stem": ", ", "options": OPTIONS, "key": 0},
    {
        "kind": "multiple_choice",
        "stem": "Which is mutable?",
        "options": [*OPTIONS[:3], {"text": "()", "rationale": "No."}],
        "key": 0,
    },
    {"kind": "numeric", "stem": "?.", "answer": 2, "tolerance": 0, "unit": "", "rubric": "Exact."},
    {
        "kind": "short_answer",
        "stem": "What does print do?",
        "model_answer": "..",
        "rubric": ["It shows."],
    },
]


@pytest.mark.parametrize("written", WORDLESS, ids=lambda w: f"{w['kind']}:{w['stem']}")
def test_the_writer_is_asked_again_for_text_without_a_word(written: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="no letter or digit"):
        ITEM_SCHEMAS[str(written["kind"])].model_validate(written)
    # Stored, the same item still reads (an export re-validates what people may have edited).
    assert TypeAdapter(QuizItem).validate_python(written)


def test_the_writers_grammar_is_the_stored_items() -> None:
    for stored in (MultipleChoiceItem, NumericItem, ShortAnswerItem):
        written = ITEM_SCHEMAS[stored.model_fields["kind"].default]
        schema = written.model_json_schema()
        assert schema.pop("title") == f"Written{stored.__name__}"
        assert schema == {k: v for k, v in stored.model_json_schema().items() if k != "title"}


def test_a_reworded_stem_needs_a_word() -> None:
    assert RewordedStem.model_validate({"stem": "Which type is mutable?"})
    with pytest.raises(ValidationError, match="no letter or digit"):
        RewordedStem.model_validate({"stem": "?!"})
