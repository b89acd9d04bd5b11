"""Request and response models of the item bank, assignments and sittings; every input bounded."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.curriculum.models import ItemKind
from platform_api.assessments.models import AssignmentKind, FeedbackTiming, SittingStatus

MAX_PROMPT_CHARS = 10_000
MAX_OPTIONS = 10
MAX_ANSWER_CHARS = 20_000
MAX_ITEMS_PER_ASSIGNMENT = 200
MAX_RUBRIC_LINES = 20
MAX_ABS_NUMBER = 1e12
MAX_SECONDS = 7 * 24 * 3600
MAX_SEED = 2**53
DEFAULT_KEYS = "abcdefghij"

OptionKey = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Number = Annotated[float, Field(ge=-MAX_ABS_NUMBER, le=MAX_ABS_NUMBER, allow_inf_nan=False)]


def _plausible(moment: datetime) -> datetime:
    # Year 9999 plus extra time overflows Python's datetime: a 500 where a 422 is the answer.
    if not 2000 <= moment.year <= 2200:
        raise ValueError("Give a time between the years 2000 and 2200.")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionIn(Strict):
    key: OptionKey | None = Field(None, description="Stable key; default a, b, c… by position.")
    text: Annotated[str, Field(min_length=1, max_length=2_000)]


class RubricLine(Strict):
    criterion: Annotated[str, Field(min_length=1, max_length=500)]
    points: Annotated[float, Field(gt=0, le=100)]


class NumericSpec(Strict):
    answer: Number
    tolerance: Annotated[float, Field(ge=0, le=MAX_ABS_NUMBER)] = 0.0
    unit: Annotated[str, Field(max_length=30)] = ""


class ShortAnswerSpec(Strict):
    model_answer: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    rubric: list[RubricLine] = Field(min_length=1, max_length=MAX_RUBRIC_LINES)


class ItemContent(Strict):
    """An item's gradable content; which parts are required depends on ``kind``."""

    kind: ItemKind
    prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    options: list[OptionIn] = Field(default_factory=list, max_length=MAX_OPTIONS)
    answer: OptionKey | None = Field(None, description="Multiple choice: the correct key.")
    solution: Annotated[str, Field(max_length=MAX_PROMPT_CHARS)] = ""
    numeric: NumericSpec | None = None
    short_answer: ShortAnswerSpec | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind is ItemKind.MULTIPLE_CHOICE:
            self._check_choices()
        elif self.options or self.answer is not None:
            raise ValueError("Only multiple-choice items have options and an answer key.")
        if (self.kind is ItemKind.NUMERIC) != (self.numeric is not None):
            raise ValueError("A numeric item, and only one, has 'numeric' (answer, tolerance).")
        if self.kind is ItemKind.SHORT_ANSWER and self.short_answer is None:
            raise ValueError("A short-answer item needs 'short_answer' (model answer, rubric).")
        if self.short_answer is not None and self.kind not in (
            ItemKind.SHORT_ANSWER,
            ItemKind.FREE_RESPONSE,
        ):
            raise ValueError("Only short-answer and free-response items have a rubric.")
        return self

    def _check_choices(self) -> None:
        if len(self.options) < 2:
            raise ValueError("A multiple-choice item has 2 to 10 options.")
        for index, option in enumerate(self.options):
            option.key = option.key or DEFAULT_KEYS[index]
        keys = [option.key for option in self.options]
        if len(set(keys)) != len(keys):
            raise ValueError("Option keys must be distinct.")
        if self.answer not in keys:
            raise ValueError("'answer' must be the key of one of the options.")


class ItemCreate(ItemContent):
    lesson_id: uuid.UUID


class ItemPatch(Strict):
    """Fields to change; the item gets a new version, answered versions stay as they were."""

    version: int = Field(ge=1, le=2**31 - 1, description="The version you edit (else 412).")
    prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)] | None = None
    options: list[OptionIn] | None = Field(None, max_length=MAX_OPTIONS)
    answer: OptionKey | None = None
    solution: Annotated[str, Field(max_length=MAX_PROMPT_CHARS)] | None = None
    numeric: NumericSpec | None = None
    short_answer: ShortAnswerSpec | None = None
    change_note: Annotated[str, Field(max_length=500)] = ""


class OptionOut(BaseModel):
    key: str
    text: str


class RubricLineOut(BaseModel):
    criterion: str
    points: float


class NumericOut(BaseModel):
    answer: float | None
    tolerance: float
    unit: str


class ShortAnswerOut(BaseModel):
    model_answer: str
    rubric: list[RubricLineOut]


class ItemOut(BaseModel):
    """An item with its key and grading data (for those who write items)."""

    id: uuid.UUID
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    kind: ItemKind
    version: int
    prompt: str
    options: list[OptionOut]
    answer: str | None
    solution: str
    numeric: NumericOut | None
    short_answer: ShortAnswerOut | None
    max_points: float


class AssignmentCreate(Strict):
    class_id: uuid.UUID
    title: Annotated[str, Field(min_length=1, max_length=300)]
    kind: AssignmentKind
    item_ids: list[uuid.UUID] | None = Field(
        None, min_length=1, max_length=MAX_ITEMS_PER_ASSIGNMENT
    )
    lesson_id: uuid.UUID | None = Field(None, description="Take this lesson's items instead.")
    due_at: Moment | None = Field(None, description="Homework: answers close at this time.")
    opens_at: Moment | None = Field(None, description="Exam: the window opens.")
    closes_at: Moment | None = Field(None, description="Exam: the window closes.")
    duration_seconds: int | None = Field(None, ge=30, le=MAX_SECONDS)
    attempts_allowed: int = Field(1, ge=1, le=20)
    feedback_timing: FeedbackTiming = FeedbackTiming.AFTER_GRADING
    shuffle_seed: int | None = Field(None, ge=0, le=MAX_SEED, description="Default: random.")
    requires_proctoring: bool = False

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if (self.item_ids is None) == (self.lesson_id is None):
            raise ValueError("Give either 'item_ids' or 'lesson_id'.")
        if self.item_ids is not None and len(set(self.item_ids)) != len(self.item_ids):
            raise ValueError("'item_ids' repeats an item.")
        if self.kind is AssignmentKind.EXAM:
            if self.opens_at is None or self.closes_at is None or self.duration_seconds is None:
                raise ValueError("An exam needs opens_at, closes_at and duration_seconds.")
            if self.closes_at <= self.opens_at:
                raise ValueError("closes_at must be after opens_at.")
        elif self.opens_at or self.closes_at or self.duration_seconds or self.requires_proctoring:
            raise ValueError("Homework has a due date, not a window, duration or proctoring.")
        return self


class AssignmentItemOut(BaseModel):
    item_id: uuid.UUID
    position: int
    points: float


class AccommodationIn(Strict):
    extra_seconds: int = Field(0, ge=0, le=MAX_SECONDS)
    opens_at: Moment | None = None
    closes_at: Moment | None = None
    reason: Reason

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at.")
        return self


class AccommodationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assignment_id: uuid.UUID
    learner_id: uuid.UUID
    extra_seconds: int
    opens_at: AwareDatetime | None
    closes_at: AwareDatetime | None
    reason: str
    granted_by: uuid.UUID | None
    granted_at: AwareDatetime


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    class_id: uuid.UUID
    course_id: uuid.UUID
    kind: AssignmentKind
    title: str
    opens_at: AwareDatetime | None
    closes_at: AwareDatetime | None
    due_at: AwareDatetime | None
    duration_seconds: int | None
    attempts_allowed: int
    feedback_timing: FeedbackTiming
    requires_proctoring: bool
    created_at: AwareDatetime
    item_count: int = 0
    items: list[AssignmentItemOut] | None = Field(None, description="Staff only.")
    shuffle_seed: int | None = Field(None, description="Staff only.")
    accommodations: list[AccommodationOut] | None = Field(None, description="Staff only.")


class SittingStart(Strict):
    assignment_id: uuid.UUID


class SittingItemOut(BaseModel):
    """One item as this learner sees it: no key, no solution, options in their own order."""

    item_id: uuid.UUID
    position: int
    kind: ItemKind
    prompt: str
    options: list[OptionOut]
    unit: str | None = None
    max_points: float
    answer: str | None = None
    answered_at: AwareDatetime | None = None


class SittingOut(BaseModel):
    id: uuid.UUID
    assignment_id: uuid.UUID
    learner_id: uuid.UUID
    attempt: int
    status: SittingStatus
    is_exam: bool
    accepting_answers: bool = Field(description="Open and before its server deadline.")
    started_at: AwareDatetime
    deadline_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    auto_submitted: bool
    server_time: AwareDatetime
    items: list[SittingItemOut]


class SittingSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID | None
    learner_id: uuid.UUID
    attempt: int
    status: SittingStatus
    started_at: AwareDatetime
    deadline_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    auto_submitted: bool


class AnswerIn(Strict):
    answer: Annotated[str, Field(min_length=1, max_length=MAX_ANSWER_CHARS)] = Field(
        description="An option's key, a number, or text (by the item's kind)."
    )
    time_spent_ms: int | None = Field(None, ge=0, le=MAX_SECONDS * 1000)


class AnswerOut(BaseModel):
    sitting_id: uuid.UUID
    item_id: uuid.UUID
    item_version: int
    answer: str
    first_answered_at: AwareDatetime
    answered_at: AwareDatetime


class ReopenIn(Strict):
    reason: Reason
    minutes: int = Field(ge=1, le=24 * 60, description="Time the learner gets from now.")


class ReopeningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sitting_id: uuid.UUID
    reopened_by: uuid.UUID | None
    reason: str
    previous_deadline: AwareDatetime | None
    new_deadline: AwareDatetime | None
    reopened_at: AwareDatetime


class ResultItemOut(BaseModel):
    item_id: uuid.UUID
    response_id: uuid.UUID | None = Field(
        description="The answer (to dispute its grade); null when the item was not answered."
    )
    position: int
    answer: str | None
    grading_status: str | None
    points: float | None
    max_points: float
    correct: bool | None


class ResultsOut(BaseModel):
    sitting_id: uuid.UUID
    status: SittingStatus
    feedback_timing: FeedbackTiming
    released: bool = Field(description="Whether grades are shown yet (by feedback timing).")
    release_note: str
    score: float | None
    max_score: float | None
    items: list[ResultItemOut]
