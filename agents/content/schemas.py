"""What the content roles produce: the JSON schemas the LLM is held to, validated with pydantic.

Every model here is sent to the serving endpoint as a JSON schema (schema-constrained decoding)
and validated again on the way back, so bounds are stated in the schema, not checked later.
"""

import enum
from abc import abstractmethod
from collections.abc import Iterable
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Tight bounds: the grammar holds a small model to them, where it would otherwise ramble on.
Heading = Annotated[str, Field(min_length=1, max_length=80)]
ShortText = Annotated[str, Field(min_length=1, max_length=120)]
Sentence = Annotated[str, Field(min_length=2, max_length=240)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BloomLevel(enum.StrEnum):
    REMEMBER = "remember"
    UNDERSTAND = "understand"
    APPLY = "apply"
    ANALYZE = "analyze"
    EVALUATE = "evaluate"
    CREATE = "create"


class Objective(Strict):
    text: Sentence
    bloom_level: BloomLevel


# Objectives the writer proposes for a topic given none: the grammar holds it to the number its
# prompt asks for (the bundled model added a third to 9 of 20 statistics topics).
OBJECTIVES_PROPOSED = 2


class ObjectivePlan(Strict):
    objectives: list[Objective] = Field(min_length=1, max_length=OBJECTIVES_PROPOSED)


class OutlineSection(Strict):
    heading: Heading
    points: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=2
    )


class Outline(Strict):
    sections: list[OutlineSection] = Field(min_length=1, max_length=3)


class Paragraph(Strict):
    text: Annotated[str, Field(min_length=20, max_length=320)]
    source: int = Field(
        ge=0, le=9, description="Number of the source passage this paragraph rests on; 0: none."
    )


class LessonSection(Strict):
    heading: Heading
    paragraphs: list[Paragraph] = Field(min_length=1, max_length=2)


class LessonDraft(Strict):
    sections: list[LessonSection] = Field(min_length=1, max_length=3)


class Rewording(Strict):
    """A composed lesson's paragraph in the writer's words."""

    text: Annotated[str, Field(min_length=20, max_length=320)]


class ChoiceOption(Strict):
    text: ShortText
    rationale: Annotated[str, Field(min_length=2, max_length=160)] = Field(
        description="Why this option is right (the key) or wrong."
    )


class MultipleChoiceItem(Strict):
    kind: Literal["multiple_choice"] = "multiple_choice"
    stem: Sentence
    options: list[ChoiceOption] = Field(min_length=4, max_length=4)
    key: int = Field(ge=0, le=3, description="Index of the correct option.")


class NumericItem(Strict):
    kind: Literal["numeric"] = "numeric"
    stem: Sentence
    answer: float
    tolerance: float = Field(ge=0)
    unit: Annotated[str, Field(max_length=30)]
    rubric: Sentence


class ShortAnswerItem(Strict):
    kind: Literal["short_answer"] = "short_answer"
    stem: Sentence
    model_answer: Sentence
    rubric: list[ShortText] = Field(min_length=1, max_length=4)


QuizItem = Annotated[
    MultipleChoiceItem | NumericItem | ShortAnswerItem, Field(discriminator="kind")
]
ItemKind = Literal["multiple_choice", "numeric", "short_answer"]


def has_a_word(text: str) -> bool:
    return any(character.isalnum() for character in text)


class Worded(BaseModel):
    """What the writer returns must read as words: its stem, options and answer each hold a
    letter or digit. The grammar admits punctuation alone (the bundled writer wrote a stem of
    ", "), which is then refused like any invalid output, and asked for again. Only the writer is
    held to it: an item stored and edited by people is validated by its own model."""

    @abstractmethod
    def read_texts(self) -> Iterable[str]:
        """The texts a learner reads."""

    @model_validator(mode="after")
    def _reads_as_words(self) -> Self:
        wordless = [text for text in self.read_texts() if not has_a_word(text)]
        if wordless:
            raise ValueError(f"no letter or digit in {wordless}")
        return self


class WrittenMultipleChoiceItem(Worded, MultipleChoiceItem):
    def read_texts(self) -> Iterable[str]:
        return [self.stem, *(option.text for option in self.options)]


class WrittenNumericItem(Worded, NumericItem):
    def read_texts(self) -> Iterable[str]:
        return [self.stem]


class WrittenShortAnswerItem(Worded, ShortAnswerItem):
    def read_texts(self) -> Iterable[str]:
        return [self.stem, self.model_answer]


# The schemas the item writer answers in.
ITEM_SCHEMAS: dict[str, type[MultipleChoiceItem | NumericItem | ShortAnswerItem]] = {
    "multiple_choice": WrittenMultipleChoiceItem,
    "numeric": WrittenNumericItem,
    "short_answer": WrittenShortAnswerItem,
}


class RewordedStem(Worded, Strict):
    """A structured item's stem in the writer's words (the answer and options stay the same)."""

    stem: Sentence

    def read_texts(self) -> Iterable[str]:
        return [self.stem]


class HintLadder(Strict):
    """Three steps, from a nudge to nearly the answer, never the answer itself."""

    hints: list[Sentence] = Field(min_length=3, max_length=3)


class CriticVerdict(Strict):
    """The critic's reading of one item against the lesson and sources."""

    key_supported: bool = Field(description="The key follows from the lesson or the sources.")
    other_correct_options: list[int] = Field(
        max_length=3, description="Indexes of options other than the key that are also correct."
    )
    reason: Sentence
