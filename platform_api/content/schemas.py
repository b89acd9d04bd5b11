"""Request and response models of content generation and review."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from agents.content.schemas import ItemKind
from graphs.content_gen.state import DEFAULT_ITEM_KINDS
from platform_api.content.models import JobStatus, ReviewStatus, TopicStatus
from platform_api.content.topics_input import MAX_OBJECTIVE_CHARS, RowError, TopicIn
from platform_api.content.weak_topics import MAX_WEAK_OBJECTIVES


class JobOptions(BaseModel):
    reading_grade: float | None = Field(
        None, ge=1, le=18, description="US school grade of the lessons; default: the course's."
    )
    allow_ungrounded: bool = Field(
        False,
        description="Write topics the course's material does not cover (no citations then).",
    )
    item_kinds: list[ItemKind] = Field(
        default_factory=lambda: list(DEFAULT_ITEM_KINDS),
        min_length=1,
        max_length=12,
        description="Item kinds, cycled over each topic's objectives.",
    )


def _optional_without_null(schema: dict[str, Any]) -> None:
    """Left out, not null: the schema says JSON null is no value of this field (the model takes
    None, so that a missing field is one)."""
    schema.pop("default", None)
    kept = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
    if len(kept) == 1:
        schema.update(kept[0])
    elif kept:
        schema["anyOf"] = kept


class WeakObjectivesOfClass(BaseModel):
    class_id: uuid.UUID = Field(description="A class the caller teaches.")
    count: int = Field(ge=1, le=MAX_WEAK_OBJECTIVES, description="How many objectives at most.")


class JobCreate(BaseModel):
    """Topics listed, or drawn from a class's weakest objectives: exactly one of the two."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["topics"]}, {"required": ["weak_objectives_of_class"]}]
        }
    )

    course_id: uuid.UUID
    topics: Annotated[list[TopicIn], Field(min_length=1, max_length=1000)] | None = Field(
        None,
        json_schema_extra=_optional_without_null,
        description="The topics; any invalid one refuses the request (422, with its index). "
        "Upload a file to `/jobs/file` to have bad rows reported and the others run.",
    )
    weak_objectives_of_class: WeakObjectivesOfClass | None = Field(
        None,
        json_schema_extra=_optional_without_null,
        description="One topic per objective of the course that the class's learners answered "
        "but have not mastered, the weakest first (409 `no_weak_objectives` when there is none).",
    )
    options: JobOptions = Field(default_factory=JobOptions)
    webhook_url: HttpUrl | None = Field(
        None, description="POSTed a `content.job.finished` event when the job ends."
    )

    @model_validator(mode="after")
    def _one_source_of_topics(self) -> "JobCreate":
        if (self.topics is None) == (self.weak_objectives_of_class is None):
            raise ValueError("give either `topics` or `weak_objectives_of_class`")
        return self


class JobOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    unit_id: uuid.UUID
    status: JobStatus
    total: int
    topics_by_status: dict[str, int]
    percent: float = Field(description="Topics finished (any final status), in percent.")
    eta_seconds: float | None = Field(
        None, description="Estimated from the finished topics' pace; null before the first."
    )
    input_errors: list[RowError]
    options: JobOptions
    model_name: str
    prompt_version: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TopicOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    row: int
    topic: str
    objectives: list[str]
    objective_id: uuid.UUID | None = Field(
        description="The weak learning objective the topic targets, when drawn from a class's."
    )
    status: TopicStatus
    attempts: int
    lesson_id: uuid.UUID | None
    error: str | None
    failures: list[dict[str, Any]]
    first_pass_checks: int
    first_pass_passed: int
    llm_seconds: float
    wall_seconds: float
    review_status: ReviewStatus
    review_reason: str | None


class GeneratedItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    prompt: str
    options: list[dict[str, str]]
    answer: str | None
    solution: str
    details: dict[str, Any] | None
    hints: list[str]
    verdicts: list[dict[str, Any]]
    version: int


class ReviewEntry(BaseModel):
    """A generated lesson awaiting a reviewer, with what the checks found and what it cites."""

    topic: TopicOut
    lesson_title: str | None
    lesson_version: int | None = Field(description="Send it back with an edit.")
    lesson_markdown: str | None
    lesson_verdicts: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    items: list[GeneratedItemOut]


Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="The version being edited (optimistic concurrency).")
]


class ReviewDecision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=2000, description="Required when rejecting.")


class ItemEdit(BaseModel):
    """Fields left out or null stay as they are."""

    version: Version
    prompt: str | None = Field(None, min_length=1, max_length=4000)
    options: list[dict[str, Annotated[str, Field(max_length=2000)]]] | None = Field(
        None, max_length=12
    )
    answer: str | None = Field(None, max_length=2000)
    solution: str | None = Field(None, max_length=4000)
    hints: list[Annotated[str, Field(max_length=2000)]] | None = Field(None, max_length=3)
    change_note: str = Field("edited", max_length=500)


class LessonEdit(BaseModel):
    """Fields left out or null stay as they are."""

    version: Version
    title: str | None = Field(None, min_length=1, max_length=300)
    body_markdown: str | None = Field(None, max_length=200_000)
    objectives: list[Annotated[str, Field(max_length=MAX_OBJECTIVE_CHARS)]] | None = Field(
        None, max_length=20
    )
    change_note: str = Field("edited in review", max_length=500)


class ItemVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    snapshot: dict[str, Any]
    author_id: uuid.UUID | None
    author_kind: str
    model_name: str | None
    prompt_version: str | None
    change_note: str
    created_at: datetime
