"""The proctoring part of a user's GDPR export: every record about them, evidence as counts."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from platform_api.auth.models import Role
from platform_api.proctor.review.schemas import AppealOut, DecisionOut
from platform_api.proctor.schemas import (
    ConsentOut,
    EnrolmentPhotoOut,
    ExemptionOut,
    SessionOut,
)

ENROLMENT_PHOTO_ENDPOINT = "GET /api/v1/me/enrolment-photo"


class EnrolmentPhotoRecord(EnrolmentPhotoOut):
    """The photo's metadata; the photo itself is not copied into the export."""

    face_embedding_stored: bool = Field(
        True, description="Its face embedding (sealed) is kept for the identity check."
    )
    fetch: str = Field(
        ENROLMENT_PHOTO_ENDPOINT, description="Where you download the photo (each view recorded)."
    )


class BiometricViewOut(BaseModel):
    """One view of your biometric data: who looked, at what, when, for which sitting."""

    model_config = ConfigDict(from_attributes=True)

    viewer_id: uuid.UUID | None = Field(description="None once the viewer's account is erased.")
    viewer_name: str | None
    viewer_role: Role | None
    what: str = Field(description="`enrolment_photo` or `evidence_keyframe`.")
    sitting_id: uuid.UUID | None
    viewed_at: datetime


class SittingReview(BaseModel):
    """The review of one of your sittings: every decision version and your appeal."""

    sitting_id: uuid.UUID
    decisions: list[DecisionOut] = Field(description="Oldest first.")
    appeal: AppealOut | None


class ProctoringRecords(BaseModel):
    """Everything the proctoring of exams stored about you."""

    enrolment_photo: EnrolmentPhotoRecord | None
    consents: list[ConsentOut] = Field(
        description="Consents for you, and those you gave as a parent for a child."
    )
    exemptions: list[ExemptionOut] = Field(description="Your requests and their decisions.")
    sessions: list[SessionOut] = Field(
        description="Your proctoring sessions and their timelines (keyframes as counts only)."
    )
    reviews: list[SittingReview] = Field(description="The reviews of your proctored sittings.")
    biometric_views: list[BiometricViewOut] = Field(
        description="Every view of your enrolment photo or evidence keyframes, oldest first."
    )
