"""Request and response models of proctored exams."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from platform_api.proctor.models import (
    ConsentGiver,
    ExemptionStatus,
    ProctorSessionStatus,
)
from serving.proctoring.contract import MAX_SDP_CHARACTERS


class EnrolmentPhotoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    content_type: str
    created_at: datetime


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignment_id: uuid.UUID = Field(description="The proctored exam consented to.")
    learner_id: uuid.UUID | None = Field(
        None, description="A parent names their child; a learner leaves it out (themselves)."
    )


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    learner_id: uuid.UUID
    assignment_id: uuid.UUID
    giver: ConsentGiver
    given_at: datetime


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sitting_id: uuid.UUID


class OfferIn(BaseModel):
    """The browser's SDP offer: its webcam track and an ``events`` data channel."""

    model_config = ConfigDict(extra="forbid")

    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARACTERS)
    type: Literal["offer"] = "offer"


class AnswerOut(BaseModel):
    sdp: str
    type: Literal["answer"]


class EventOut(BaseModel):
    """One event of the timeline (times: seconds since the stream started)."""

    event_id: str
    kind: str
    analyser: str
    started_at_seconds: float
    ended_at_seconds: float | None
    severity: str
    peak_value: float | None
    signal_count: int
    evidence_count: int = Field(description="Keyframes kept (shown to reviewers only).")


class EventCount(BaseModel):
    """How many events of one kind and severity a session had, and the keyframes they kept:
    what remains of its timeline once its evidence is purged."""

    kind: str
    severity: str
    events: int
    keyframes: int


class SessionOut(BaseModel):
    id: uuid.UUID
    sitting_id: uuid.UUID
    status: ProctorSessionStatus
    identity_verified: bool
    connection: str | None = Field(None, description="The webcam stream's state, while live.")
    created_at: datetime
    live_at: datetime | None
    ended_at: datetime | None
    events: list[EventOut]
    availability: list[str] = Field(
        description="How often each analyser could judge: `objects: unavailable`, …"
    )
    summary: list[EventCount] = Field(
        description="The events counted by kind and severity (all that is left once purged)."
    )
    purged_at: datetime | None = Field(
        None,
        description="When its evidence keyframes and events were purged after review "
        "(`WC_PROCTOR_RETENTION_DAYS`); `events` is then empty and `summary` remains.",
    )


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignment_id: uuid.UUID
    reason: str = Field(
        min_length=1, max_length=1000, description="No webcam, refused consent, or another cause."
    )


class ExemptionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str = Field("", max_length=1000)


class ExemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    learner_id: uuid.UUID
    assignment_id: uuid.UUID
    reason: str
    status: ExemptionStatus
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


ProctoringMode = Literal["not_required", "proctored", "exempt", "unproctored"]
MODE_DESCRIPTION = (
    "`exempt`: ran unproctored by an approved exemption; `unproctored`: required but never "
    "streamed."
)


class SittingProctoringOut(BaseModel):
    """How a sitting is (or is not) proctored: what a reviewer sees first."""

    sitting_id: uuid.UUID
    mode: ProctoringMode = Field(description=MODE_DESCRIPTION)
    session: SessionOut | None
    exemption: ExemptionOut | None
