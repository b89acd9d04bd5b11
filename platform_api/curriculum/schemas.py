"""Request and response models of the curriculum domain."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from core.curriculum.models import ItemKind, LessonStatus

GROUP_TITLE = (
    "The part of the book that groups this unit (e.g. an OpenStax unit above its chapters); "
    "consecutive units with the same group title form one group."
)
# Positions and bounds of what a client sends: PostgreSQL integers hold 2**31 - 1.
Position = Annotated[int, Field(ge=0, le=100_000)]
Objective = Annotated[str, Field(max_length=1_000)]


class CurriculumCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=5_000)


class CurriculumOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    owner_id: uuid.UUID | None
    created_at: datetime


class CourseCreate(CurriculumCreate):
    reading_grade: float = Field(
        8.0, ge=1, le=18, description="US school grade generated lessons are written for."
    )


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    position: Position | None = None
    group_title: str | None = Field(None, min_length=1, max_length=300, description=GROUP_TITLE)


class LessonSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    status: LessonStatus
    position: int
    version: int


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    position: int
    group_title: str | None = Field(None, description=GROUP_TITLE)
    lessons: list[LessonSummary] = []


class CourseSummary(BaseModel):
    """A course of the catalogue, without its outline."""

    id: uuid.UUID
    curriculum_id: uuid.UUID
    title: str
    description: str
    reading_grade: float
    lessons: int = Field(
        description="Lessons you can read: the published ones; every one in a course you edit."
    )


class CourseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    curriculum_id: uuid.UUID
    title: str
    description: str
    owner_id: uuid.UUID | None
    reading_grade: float
    created_at: datetime
    units: list[UnitOut] = []


class Asset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["image", "video", "file", "link"]
    url: Annotated[HttpUrl, Field(max_length=2_000)] | Annotated[str, Field(max_length=2_000)]
    title: str = Field("", max_length=300)


class LessonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    body_markdown: str = Field("", max_length=200_000)
    objectives: list[Objective] = Field(default_factory=list, max_length=50)
    assets: list[Asset] = Field(default_factory=list, max_length=50)
    position: Position | None = None


class LessonUpdate(BaseModel):
    """Fields left out or null stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    body_markdown: str | None = Field(None, max_length=200_000)
    objectives: list[Objective] | None = Field(None, max_length=50)
    assets: list[Asset] | None = Field(None, max_length=50)
    change_note: str = Field("", max_length=500)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: LessonStatus
    change_note: str = Field("", max_length=500)


class LessonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    unit_id: uuid.UUID
    title: str
    body_markdown: str
    objectives: list[str]
    key_terms: list[dict[str, Any]]
    assets: list[dict[str, Any]]
    status: LessonStatus
    version: int
    source_key: str | None
    published_at: datetime | None
    updated_at: datetime


class LessonVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    title: str
    status: LessonStatus
    author_id: uuid.UUID | None
    change_note: str
    created_at: datetime


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ItemKind
    prompt: str
    options: list[dict[str, str]]
    answer: str | None = Field(None, description="Shown to teachers and admins only.")
    solution: str | None = Field(None, description="Shown to teachers and admins only.")


class SearchHit(BaseModel):
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    title: str
    status: LessonStatus
    snippet: str
    rank: float


class SearchPage(BaseModel):
    items: list[SearchHit]
    total: int
    limit: int
    offset: int
