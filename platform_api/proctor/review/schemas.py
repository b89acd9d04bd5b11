"""Request and response models of the human review of proctored sittings: the integrity report,
the review queue, decisions and appeals."""

import enum
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from platform_api.proctor.review.models import (
    MAX_APPEAL_REASON_CHARACTERS,
    MAX_NOTE_CHARACTERS,
    AppealStatus,
    ReviewDecision,
    ReviewStage,
)
from platform_api.proctor.schemas import MODE_DESCRIPTION, EventCount, ProctoringMode

MAX_VERSION = 1_000_000


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ReviewDecision
    note: str = Field("", max_length=MAX_NOTE_CHARACTERS, description="Why, for the learner.")
    expected_version: int = Field(
        ge=0,
        le=MAX_VERSION,
        description="The latest decision version you saw (0: none yet). If another reviewer "
        "decided meanwhile, 409 `stale_review_version`: reload and decide again.",
    )


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    stage: ReviewStage
    decision: ReviewDecision
    note: str
    reviewer_id: uuid.UUID | None
    decided_at: datetime
    supersedes: int | None = Field(description="The version this one replaces.")


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_APPEAL_REASON_CHARACTERS)


class AppealOut(BaseModel):
    id: uuid.UUID
    appealed_version: int = Field(description="The decision version appealed.")
    reason: str
    filed_at: datetime
    status: AppealStatus
    decided_at: datetime | None
    answered_by_version: int | None = Field(description="The second review's version.")


TimelineSource = Literal["proctor", "client", "tutor"]


class ReportEntry(BaseModel):
    """One moment of the sitting: a proctor event, a browser event, or a tutor refusal."""

    source: TimelineSource = Field(
        description="`proctor`: the webcam's analysers; `client`: what the browser reported; "
        "`tutor`: a request the tutor refused because the exam was in progress."
    )
    kind: str = Field(description="The event's kind; `tutor_refused` for the tutor.")
    at: datetime = Field(description="When it began (absolute).")
    ended_at: datetime | None = Field(None, description="When it ended (absolute), if it lasted.")
    severity: str | None = None
    analyser: str | None = None
    session_id: uuid.UUID | None = Field(None, description="The proctoring session.")
    event_id: str | None = None
    started_at_seconds: float | None = Field(
        None, description="As the proctor stored it: seconds since the stream went live."
    )
    ended_at_seconds: float | None = None
    evidence_count: int = Field(0, description="Keyframes kept for the event.")
    evidence: list[str] = Field(
        default_factory=list,
        description="URLs of the keyframes (JPEG), for reviewers only; each view is recorded.",
    )
    message: str | None = Field(None, description="The learner's refused message (tutor).")
    message_truncated: bool = False


class ReportSession(BaseModel):
    id: uuid.UUID
    live_at: datetime | None = Field(description="Its event times count from here.")
    ended_at: datetime | None
    identity_verified: bool
    summary: list[EventCount] = Field(description="Its events counted by kind and severity.")
    purged_at: datetime | None = Field(
        None,
        description="When its evidence keyframes and events were purged after review "
        "(`WC_PROCTOR_RETENTION_DAYS`): they are no longer in `entries`; `summary` remains.",
    )


class IntegrityReport(BaseModel):
    """Everything a reviewer weighs about one sitting, in one time line."""

    sitting_id: uuid.UUID
    learner_id: uuid.UUID
    assignment_id: uuid.UUID
    exam_title: str
    mode: ProctoringMode = Field(description=MODE_DESCRIPTION)
    started_at: datetime
    ended_at: datetime | None
    time_note: str = Field(description="How the times were made absolute.")
    sessions: list[ReportSession]
    availability: list[str] = Field(
        description="How often each analyser could judge over the sitting (`objects: "
        "unavailable`, …), and whether the tutor's refusals could be read."
    )
    severity_counts: dict[str, int] = Field(description="Proctor and client events by severity.")
    entries: list[ReportEntry] = Field(description="In time order.")
    truncated: bool = Field(description="Some entries were left out (a source past its cap).")
    evidence_shown: bool = Field(description="False for the learner: counts, no images.")
    decisions: list[DecisionOut] = Field(description="Every version, oldest first.")
    appeal: AppealOut | None


class ReviewState(enum.StrEnum):
    PENDING = "pending"  # no decision yet
    APPEALED = "appealed"  # an appeal waits for its second review
    DECIDED = "decided"  # decided, no open appeal


class KindCount(BaseModel):
    kind: str
    count: int


class ReviewQueueEntry(BaseModel):
    sitting_id: uuid.UUID
    learner_id: uuid.UUID
    learner_name: str = Field(description="The learner's display name, for the reviewer.")
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    exam_title: str
    ended_at: datetime | None
    mode: ProctoringMode = Field(description=MODE_DESCRIPTION)
    severity_counts: dict[str, int]
    top_kinds: list[KindCount] = Field(description="The most frequent event kinds, up to 3.")
    latest_decision: DecisionOut | None
    appeal_status: AppealStatus | None


class ReviewQueuePage(BaseModel):
    items: list[ReviewQueueEntry]
    total: int
    limit: int
    offset: int
