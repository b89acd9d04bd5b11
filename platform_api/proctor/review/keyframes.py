"""Evidence keyframes served to reviewers, one view at a time, each view recorded.

A keyframe is addressed by its sitting, its event and its place among the event's keyframes;
its object key (whose random part is what keeps it from being found) never leaves the server.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.infra.objects import ObjectStore
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.audit import BiometricData, record_view
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from platform_api.proctor.review.reviewers import reviewable_sitting
from platform_api.proctor.runtime import Proctoring
from serving.proctoring.evidence import open_keyframe

MAX_EVENT_ID_CHARACTERS = 64  # proctor_events.event_id
EVENT_ID_PATTERN = rf"^[0-9A-Za-z_-]{{1,{MAX_EVENT_ID_CHARACTERS}}}$"
MAX_KEYFRAME_INDEX = 99


def keyframe_path(sitting_id: uuid.UUID, event_id: str, index: int) -> str:
    return f"/api/v1/proctor/sittings/{sitting_id}/evidence/{event_id}/{index}"


async def keyframe(
    session: AsyncSession,
    proctoring: Proctoring,
    store: ObjectStore,
    actor: AccessClaims,
    address: tuple[uuid.UUID, str, int],
) -> bytes:
    """The JPEG at ``address`` (sitting, event, index), for a reviewer of the sitting; the view
    is recorded and committed before the picture is handed out."""
    sitting_id, event_id, index = address
    sitting, _ = await reviewable_sitting(session, actor, sitting_id)
    query = (
        select(ProctorEvent.evidence_keys)
        .join(ProctoringSession, ProctoringSession.id == ProctorEvent.session_id)
        .where(ProctoringSession.sitting_id == sitting.id, ProctorEvent.event_id == event_id)
    )
    keys = await session.scalar(query.limit(1))
    if keys is None or index >= len(keys):
        raise NotFound("No such keyframe.")
    key = keys[index]
    stored = await store.get(key)
    if stored is None:  # purged, or its session erased, since the report was read
        raise NotFound("This keyframe is no longer kept.")
    jpeg = open_keyframe(proctoring.cipher, key, stored.data)
    record_view(
        session,
        actor.user_id,
        sitting.learner_id,
        BiometricData.EVIDENCE_KEYFRAME,
        sitting_id=sitting.id,
        object_key=key,
        viewer_role=actor.role.value,
    )
    await session.commit()
    return jpeg
