"""Every view of biometric data is recorded: who looked at whose, when, for which sitting."""

import enum
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.audit.service import Actor, AuditAction, record
from platform_api.proctor.models import BiometricAccess


class BiometricData(enum.StrEnum):
    ENROLMENT_PHOTO = "enrolment_photo"
    EVIDENCE_KEYFRAME = "evidence_keyframe"


def record_view(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    subject_id: uuid.UUID,
    what: BiometricData,
    *,
    sitting_id: uuid.UUID | None = None,
    object_key: str | None = None,
    viewer_role: str | None = None,
) -> None:
    """Add the record to the caller's transaction (committed with the view it records).

    A view of someone else's data also goes to the audit log: this table answers the learner
    ("who saw my pictures", in their privacy export, erased with them); the audit log answers
    the operator across every sensitive action and outlives the account.
    """
    if viewer_id != subject_id:
        details = {"subject_id": str(subject_id), "what": what.value}
        target = ("sitting", sitting_id) if sitting_id else ("account", subject_id)
        record(session, Actor(viewer_id, viewer_role), AuditAction.EVIDENCE_VIEWED, target, details)
    session.add(
        BiometricAccess(
            id=uuid.uuid4(),
            viewer_id=viewer_id,
            subject_id=subject_id,
            what=what.value,
            sitting_id=sitting_id,
            object_key=object_key,
        )
    )
