"""Token budgets come from the schemas' bounds: the longest valid answer always fits."""

import json

import pytest
from pydantic import BaseModel

from agents.content import schemas
from agents.content.budget import CHARS_PER_TOKEN, max_json_chars, token_budget

EVERY_SCHEMA: list[type[BaseModel]] = [
    schemas.ObjectivePlan,
    schemas.Outline,
    schemas.LessonDraft,
    schemas.MultipleChoiceItem,
    schemas.NumericItem,
    schemas.ShortAnswerItem,
    schemas.HintLadder,
    schemas.CriticVerdict,
]
# The bundled model's context is 2048 tokens (WC_MAX_MODEL_LEN); prompts take up to ~1000.
LONGEST_ANSWER_TOKENS = 1000


def longest_lesson() -> schemas.LessonDraft:
    paragraph = schemas.Paragraph(text="é" * 320, source=9)
    section = schemas.LessonSection(heading="h" * 80, paragraphs=[paragraph] * 2)
    return schemas.LessonDraft(sections=[section] * 3)


def longest_choice_item() -> schemas.MultipleChoiceItem:
    option = schemas.ChoiceOption(text="t" * 120, rationale="r" * 160)
    return schemas.MultipleChoiceItem(stem="s" * 240, options=[option] * 4, key=3)


@pytest.mark.parametrize("longest", [longest_lesson(), longest_choice_item()])
def test_the_longest_valid_answer_fits_its_budget(longest: BaseModel) -> None:
    compact = json.dumps(longest.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False)
    assert len(compact) <= max_json_chars(type(longest))
    assert len(compact) / CHARS_PER_TOKEN <= token_budget(type(longest))


@pytest.mark.parametrize("schema", EVERY_SCHEMA, ids=lambda s: s.__name__)
def test_every_answer_fits_beside_its_prompt(schema: type[BaseModel]) -> None:
    assert token_budget(schema) <= LONGEST_ANSWER_TOKENS


def test_an_unbounded_schema_has_no_budget() -> None:
    class Unbounded(BaseModel):
        text: str

    with pytest.raises(ValueError, match="maxLength"):
        token_budget(Unbounded)
