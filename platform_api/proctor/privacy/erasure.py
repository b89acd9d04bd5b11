"""Erasing a learner's biometric data with their account.

Their rows go with the account (foreign keys cascade); their objects (the enrolment photo and
each session's evidence keyframes) and any session still hosted by the proctor are named in the
``user.erased`` event, which commits with the deletion. The account's erasure removes them at
once, and the event's consumer does it again: if the process died before the objects were
deleted, or a session still streaming saved a keyframe after, the consumer (at least once,
idempotent) finishes the job.
"""

import logging
import uuid

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError
from core.infra.objects import ObjectStore
from platform_api.proctor.enrolment import enrolment_prefix
from platform_api.proctor.models import ProctoringSession, ProctorSessionStatus
from serving.proctoring.client import ProctorClient
from serving.proctoring.contract import SessionPlacement
from serving.proctoring.errors import ProctorSessionNotFound
from serving.proctoring.evidence import evidence_prefix

logger = logging.getLogger(__name__)


class LearnerBiometrics(BaseModel):
    """Where a learner's biometric data lives outside the database."""

    object_prefixes: list[str]
    hosted_sessions: list[SessionPlacement]


async def learner_biometrics(session: AsyncSession, learner_id: uuid.UUID) -> LearnerBiometrics:
    """The enrolment photo's prefix, each session's evidence prefix, and the sessions a proctor
    host may still be running."""
    query = select(ProctoringSession).where(ProctoringSession.learner_id == learner_id)
    records = list(await session.scalars(query))
    return LearnerBiometrics(
        object_prefixes=[
            enrolment_prefix(learner_id),
            *(evidence_prefix(record.id.hex) for record in records),
        ],
        hosted_sessions=[
            SessionPlacement(session_id=record.id.hex, host=record.proctor_host)
            for record in records
            if record.status is not ProctorSessionStatus.ENDED and record.proctor_host is not None
        ],
    )


async def delete_biometric_objects(store: ObjectStore, biometrics: LearnerBiometrics) -> int:
    """Delete every object under the prefixes; how many there were (0 when run again)."""
    deleted = 0
    for prefix in biometrics.object_prefixes:
        deleted += await store.delete_prefix(prefix)
    return deleted


async def erase_biometrics(
    store: ObjectStore, client: ProctorClient, biometrics: LearnerBiometrics
) -> int:
    """Stop the hosted sessions (so that no keyframe is saved after), then delete the objects.
    A host that is gone or unreachable is logged and passed: its sessions end as abandoned."""
    for placement in biometrics.hosted_sessions:
        try:
            await client.close(placement)
        except ProctorSessionNotFound:
            pass  # closed already (an earlier delivery), or lost with its replica
        except AppError as error:
            logger.warning(
                "erased learner's proctor session not closed",
                extra={"host": placement.host, "code": error.code},
            )
    return await delete_biometric_objects(store, biometrics)
