"""A user's proctoring records for their GDPR export (Art. 15/20): what was recorded about them,
how their sittings were reviewed, by whom their biometric data was seen, and the metadata (never
the bytes) of their photo and evidence keyframes."""

import uuid

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import ExamSitting
from platform_api.auth.models import User
from platform_api.proctor.models import (
    BiometricAccess,
    EnrolmentPhoto,
    ProctorConsent,
    ProctorExemption,
    ProctoringSession,
)
from platform_api.proctor.privacy.schemas import (
    BiometricViewOut,
    EnrolmentPhotoRecord,
    ProctoringRecords,
    SittingReview,
)
from platform_api.proctor.review.models import ProctorDecision
from platform_api.proctor.review.state import review_history
from platform_api.proctor.schemas import ConsentOut, ExemptionOut
from platform_api.proctor.timelines import session_out


async def proctoring_records(session: AsyncSession, user_id: uuid.UUID) -> ProctoringRecords:
    photo = await session.get(EnrolmentPhoto, user_id)
    consents = await session.scalars(
        select(ProctorConsent)
        .where(or_(ProctorConsent.learner_id == user_id, ProctorConsent.given_by == user_id))
        .order_by(ProctorConsent.given_at)
    )
    exemptions = await session.scalars(
        select(ProctorExemption)
        .where(ProctorExemption.learner_id == user_id)
        .order_by(ProctorExemption.requested_at)
    )
    sessions = await session.scalars(
        select(ProctoringSession)
        .where(ProctoringSession.learner_id == user_id)
        .order_by(ProctoringSession.created_at)
    )
    return ProctoringRecords(
        enrolment_photo=None if photo is None else EnrolmentPhotoRecord.model_validate(photo),
        consents=[ConsentOut.model_validate(consent) for consent in consents],
        exemptions=[ExemptionOut.model_validate(exemption) for exemption in exemptions],
        sessions=[await session_out(session, record) for record in sessions.all()],
        reviews=await _reviews_of(session, user_id),
        biometric_views=await _views_of(session, user_id),
    )


async def _reviews_of(session: AsyncSession, learner_id: uuid.UUID) -> list[SittingReview]:
    reviewed = (
        select(ExamSitting.id)
        .where(ExamSitting.learner_id == learner_id)
        .where(exists().where(ProctorDecision.sitting_id == ExamSitting.id))
        .order_by(ExamSitting.started_at, ExamSitting.id)
    )
    reviews = []
    for sitting_id in (await session.scalars(reviewed)).all():
        decisions, appeal = await review_history(session, sitting_id)
        reviews.append(SittingReview(sitting_id=sitting_id, decisions=decisions, appeal=appeal))
    return reviews


async def _views_of(session: AsyncSession, subject_id: uuid.UUID) -> list[BiometricViewOut]:
    query = (
        select(BiometricAccess, User.display_name, User.role)
        .outerjoin(User, User.id == BiometricAccess.viewer_id)
        .where(BiometricAccess.subject_id == subject_id)
        .order_by(BiometricAccess.viewed_at, BiometricAccess.id)
    )
    return [
        BiometricViewOut(
            viewer_id=view.viewer_id,
            viewer_name=name,
            viewer_role=role,
            what=view.what,
            sitting_id=view.sitting_id,
            viewed_at=view.viewed_at,
        )
        for view, name, role in (await session.execute(query)).all()
    ]
