"""State of one topic's run through the content graph, and the result read from it."""

import enum
import operator
import uuid
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel, Field

from agents.content.checks import Verdict
from agents.content.schemas import ItemKind, Objective, QuizItem
from agents.content.structured import ItemOrigin

# Kinds cycle over a topic's objectives: the first gets a multiple-choice item, and so on.
DEFAULT_ITEM_KINDS: tuple[ItemKind, ...] = ("multiple_choice", "short_answer", "numeric")


class TopicRequest(BaseModel):
    """One row of a job: what to write, for which course, under which rules."""

    course_id: uuid.UUID
    course_title: str
    topic: str = Field(min_length=1, max_length=300)
    objectives: list[str] = Field(default_factory=list, max_length=6)
    reading_grade: float = Field(8.0, ge=1, le=18)
    allow_ungrounded: bool = False
    item_kinds: list[ItemKind] = Field(
        default_factory=lambda: list(DEFAULT_ITEM_KINDS), min_length=1
    )


class GeneratedItem(BaseModel):
    objective: int
    kind: ItemKind
    item: QuizItem | None = None
    hints: list[str] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    attempts: int = 0
    origin: ItemOrigin = "llm"
    # A structured item's passage: its answer is stated there.
    passage: str | None = None
    # The lesson that passage comes from (for the hints' "where to look").
    lesson_title: str | None = None
    # Every defined term an item of this topic was built from, so a rewrite takes another.
    terms: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.item is not None and all(v.passed for v in self.verdicts)


class Failure(BaseModel):
    """A structured output that never validated, kept with its raw text."""

    step: str
    error: str
    raw_outputs: list[str] = Field(default_factory=list)


def merge_per_key(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Reducer: one level deeper than ``dict | dict``, so a node may update one entry's keys."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def add_per_key(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """Reducer: sums per key (a node that runs twice counts its time twice)."""
    return {key: old.get(key, 0.0) + new.get(key, 0.0) for key in old.keys() | new.keys()}


class TopicState(TypedDict, total=False):
    request: dict[str, Any]
    sources: list[dict[str, Any]]
    objectives: list[dict[str, Any]]
    outline: dict[str, Any]
    lesson: dict[str, Any]
    lesson_markdown: str
    # What the evidence found for each claim-bearing paragraph (``agents.content.grounding``).
    lesson_grounding: list[dict[str, Any]]
    items: list[dict[str, Any]]
    redo: list[int]
    # Keyed by item index (as text) then check name: a rewritten item's new verdicts replace
    # its old ones, and nothing else is touched.
    item_verdicts: Annotated[dict[str, dict[str, Any]], merge_per_key]
    critiques: Annotated[dict[str, dict[str, Any]], merge_per_key]
    lesson_verdicts: Annotated[dict[str, Any], merge_per_key]
    failures: Annotated[list[dict[str, Any]], operator.add]
    failed: bool
    first_pass: dict[str, int]
    llm_seconds: Annotated[float, operator.add]
    llm_calls: Annotated[int, operator.add]
    node_seconds: Annotated[dict[str, float], add_per_key]


class TopicStatus(enum.StrEnum):
    DONE = "done"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


class TopicResult(BaseModel):
    """What a run produced, ready to be stored."""

    status: TopicStatus
    objectives: list[Objective]
    lesson_markdown: str
    sources: list[dict[str, Any]]
    items: list[GeneratedItem]
    lesson_verdicts: list[Verdict]
    failures: list[Failure]
    first_pass_checks: int
    first_pass_passed: int
    llm_seconds: float
    llm_calls: int
    node_seconds: dict[str, float] = Field(
        default_factory=dict, description="Wall time per node (LLM waits included)."
    )

    @classmethod
    def of(cls, state: TopicState) -> "TopicResult":
        verdicts = state.get("item_verdicts", {})
        items = [
            GeneratedItem.model_validate(
                {**item, "verdicts": list(verdicts.get(str(index), {}).values())}
            )
            for index, item in enumerate(state.get("items", []))
        ]
        lesson_verdicts = [
            Verdict.model_validate(v) for v in state.get("lesson_verdicts", {}).values()
        ]
        if state.get("failed") or not state.get("lesson_markdown"):
            status = TopicStatus.FAILED
        elif all(i.passed for i in items) and all(v.passed for v in lesson_verdicts):
            status = TopicStatus.DONE
        else:
            status = TopicStatus.NEEDS_REVIEW
        first_pass = state.get("first_pass", {})
        return cls(
            status=status,
            objectives=[Objective.model_validate(o) for o in state.get("objectives", [])],
            lesson_markdown=state.get("lesson_markdown", ""),
            sources=state.get("sources", []),
            items=items,
            lesson_verdicts=lesson_verdicts,
            failures=[Failure.model_validate(f) for f in state.get("failures", [])],
            first_pass_checks=first_pass.get("checks", 0),
            first_pass_passed=first_pass.get("passed", 0),
            llm_seconds=state.get("llm_seconds", 0.0),
            llm_calls=state.get("llm_calls", 0),
            node_seconds=state.get("node_seconds", {}),
        )
