"""Proctoring sessions: created for the learner's own open sitting of a proctored exam (consent
and an enrolment photo first), live once the proctor answers the webcam's offer (a later offer
reconnects), ended with the sitting, when the final timeline is stored.

The hosted session on the proctor deployment is opened at the first offer, so a session that is
never streamed holds nothing there; an offer the proctor refuses leaves no hosted session behind.
"""

import contextlib
import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError, NotFound
from platform_api.assessments.errors import SittingClosed
from platform_api.assessments.models import Assignment, ExamSitting
from platform_api.assessments.sittings import accepting_answers, own_sitting
from platform_api.assessments.views import visible_sitting
from platform_api.auth.tokens import AccessClaims
from platform_api.proctor.consents import consent_of
from platform_api.proctor.enrolment import opened_embedding
from platform_api.proctor.errors import (
    ConsentRequired,
    EnrolmentRequired,
    ProctoringNotRequired,
    ProctorSessionExists,
)
from platform_api.proctor.models import EnrolmentPhoto, ProctoringSession, ProctorSessionStatus
from platform_api.proctor.runtime import Proctoring
from platform_api.proctor.schemas import AnswerOut, OfferIn, SessionOut
from platform_api.proctor.service import running_session
from platform_api.proctor.timelines import session_out, store_state
from proctor.ingest import InvalidOffer
from serving.proctoring.contract import SdpMessage, SessionPlacement
from serving.proctoring.errors import ProctorSessionEnded, ProctorSessionNotFound

logger = logging.getLogger(__name__)


async def create_session(
    session: AsyncSession, actor: AccessClaims, sitting_id: uuid.UUID, now: datetime
) -> ProctoringSession:
    sitting = await own_sitting(session, actor, sitting_id, read_lock=True)
    if not accepting_answers(sitting, now):
        raise SittingClosed("This sitting is over.")
    assignment = await session.get(Assignment, sitting.assignment_id)
    assert assignment is not None
    if not assignment.requires_proctoring:
        raise ProctoringNotRequired("This exam is not proctored.")
    if await consent_of(session, actor.user_id, assignment.id) is None:
        raise ConsentRequired("Consent to proctoring comes first.", {"exam": str(assignment.id)})
    if await session.get(EnrolmentPhoto, actor.user_id) is None:
        raise EnrolmentRequired("Upload an enrolment photo first (/api/v1/me/enrolment-photo).")
    existing = await running_session(session, sitting.id)
    if existing is not None:
        raise ProctorSessionExists(
            "This sitting already has a proctoring session.", {"session_id": str(existing.id)}
        )
    record = ProctoringSession(
        id=uuid.uuid4(), sitting_id=sitting.id, learner_id=actor.user_id, created_at=now
    )
    session.add(record)
    try:
        await session.commit()
    except IntegrityError as error:  # a concurrent create won (one running session a sitting)
        await session.rollback()
        raise ProctorSessionExists("This sitting already has a proctoring session.") from error
    return record


async def _own_record(
    session: AsyncSession, actor: AccessClaims, session_id: uuid.UUID
) -> ProctoringSession:
    """The caller's own session, locked; another learner's is 404, as if it did not exist."""
    query = select(ProctoringSession).where(ProctoringSession.id == session_id)
    record = await session.scalar(query.with_for_update())
    if record is None or record.learner_id != actor.user_id:
        raise NotFound("No such proctoring session.")
    return record


async def answer_offer(
    session: AsyncSession,
    proctoring: Proctoring,
    actor: AccessClaims,
    session_id: uuid.UUID,
    offer: OfferIn,
    now: datetime,
) -> AnswerOut:
    """The proctor's answer to the webcam's offer: the first one opens the hosted session, a
    later one reconnects to it (or opens a new one if its host is gone)."""
    record = await _own_record(session, actor, session_id)
    sitting = await session.get(ExamSitting, record.sitting_id)
    if record.status is ProctorSessionStatus.ENDED or sitting is None:
        raise ProctorSessionEnded("This proctoring session has ended.")
    if not accepting_answers(sitting, now):
        raise SittingClosed("This sitting is over.")
    answer, host = await _negotiate(session, proctoring, record, offer)
    record.proctor_host, record.last_offer_at, record.offers = host, now, record.offers + 1
    if record.status is ProctorSessionStatus.PENDING:
        record.status, record.live_at = ProctorSessionStatus.LIVE, now
    await session.commit()
    return AnswerOut(sdp=answer.sdp, type="answer")


async def _negotiate(
    session: AsyncSession, proctoring: Proctoring, record: ProctoringSession, offer: OfferIn
) -> tuple[SdpMessage, str]:
    client = proctoring.client
    if record.proctor_host is not None:
        placement = SessionPlacement(session_id=record.id.hex, host=record.proctor_host)
        try:
            return await client.offer(placement, offer.sdp, offer.type), placement.host
        except ProctorSessionNotFound:
            logger.warning(
                "proctor host lost; opening the session anew", extra={"host": placement.host}
            )
    placement = await _open_hosted(session, proctoring, record)
    try:
        return await client.offer(placement, offer.sdp, offer.type), placement.host
    except InvalidOffer:
        with contextlib.suppress(AppError):  # nothing half-created: the hosted session goes
            await client.close(placement)
        raise


async def _open_hosted(
    session: AsyncSession, proctoring: Proctoring, record: ProctoringSession
) -> SessionPlacement:
    enrolment = await session.get(EnrolmentPhoto, record.learner_id)
    embedding = None if enrolment is None else opened_embedding(enrolment, proctoring.cipher)
    return await proctoring.client.open_session(
        record.id, None if embedding is None else embedding.tolist()
    )


async def _visible_record(
    session: AsyncSession, actor: AccessClaims, session_id: uuid.UUID
) -> ProctoringSession:
    """Its learner, the class's teacher, an admin (as for the sitting); others get 404."""
    record = await session.get(ProctoringSession, session_id)
    if record is None:
        raise NotFound("No such proctoring session.")
    await visible_sitting(session, actor, record.sitting_id)
    return record


async def session_view(
    session: AsyncSession,
    proctoring: Proctoring,
    actor: AccessClaims,
    session_id: uuid.UUID,
    now: datetime,
) -> SessionOut:
    """The session as stored, refreshed from the proctor while it is live (the exam page polls
    it until ``identity_verified``)."""
    record = await _visible_record(session, actor, session_id)
    connection = None
    if record.status is ProctorSessionStatus.LIVE and record.proctor_host is not None:
        placement = SessionPlacement(session_id=record.id.hex, host=record.proctor_host)
        try:
            state = await proctoring.client.state(placement)
        except AppError as error:  # the stored timeline is still worth showing
            logger.warning("proctor state unavailable", extra={"code": error.code})
        else:
            await store_state(session, record, state, now)
            await session.commit()
            connection = None if state.connection is None else state.connection.value
    return await session_out(session, record, connection)


async def end_with_sitting(
    session: AsyncSession, proctoring: Proctoring, sitting_id: uuid.UUID, now: datetime
) -> None:
    """End the sitting's running session: close the hosted one and store its final timeline.
    A host that is gone leaves the timeline as last stored."""
    record = await running_session(session, sitting_id)
    if record is None:
        return
    if record.proctor_host is not None:
        placement = SessionPlacement(session_id=record.id.hex, host=record.proctor_host)
        try:
            await store_state(session, record, await proctoring.client.close(placement), now)
        except ProctorSessionNotFound:
            logger.warning("proctor session lost before its end", extra={"session": str(record.id)})
    record.status, record.ended_at = ProctorSessionStatus.ENDED, now
    await session.commit()
