"""HTTP endpoints of proctored exams (thin: parse, call the service, shape the response)."""

import uuid

from fastapi import APIRouter, Query, Response, UploadFile

from core.errors import Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType
from platform_api.assessments.clock import Now
from platform_api.assessments.errors import SittingClosed
from platform_api.auth.permissions import Principal, Staff
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.uploads import read_limited
from platform_api.proctor import consents, enrolment, exemptions, sessions, views
from platform_api.proctor.auth import Consenter, Learner
from platform_api.proctor.errors import (
    ConsentRequired,
    EnrolmentRequired,
    ExemptionExists,
    ParentConsentRequired,
    ProctoringNotRequired,
    ProctorSessionExists,
)
from platform_api.proctor.runtime import ProctoringDep
from platform_api.proctor.schemas import (
    AnswerOut,
    ConsentIn,
    ConsentOut,
    EnrolmentPhotoOut,
    ExemptionDecisionIn,
    ExemptionIn,
    ExemptionOut,
    OfferIn,
    SessionIn,
    SessionOut,
    SittingProctoringOut,
)
from platform_api.proctor.timelines import session_out
from proctor.errors import EnrolmentManyFaces, EnrolmentNoFace, EnrolmentRejected
from proctor.ingest import InvalidOffer
from serving.proctoring.errors import ProctorHostFull, ProctorSessionEnded, ProctorUnavailable

COMMON = responses(401, 403, 422, 429)
me = APIRouter(prefix="/api/v1/me", tags=["proctoring"], responses=COMMON)
proctor = APIRouter(prefix="/api/v1/proctor", tags=["proctoring"], responses=COMMON)


@me.put(
    "/enrolment-photo",
    response_model=EnrolmentPhotoOut,
    summary="Upload your enrolment photo (JPEG/PNG showing only your face), stored encrypted",
    responses=responses(
        PayloadTooLarge,
        UnsupportedMediaType,
        EnrolmentRejected,
        EnrolmentNoFace,
        EnrolmentManyFaces,
    ),
)
async def put_enrolment_photo(
    file: UploadFile,
    actor: Learner,
    session: DbSession,
    stores: StoresDep,
    proctoring: ProctoringDep,
) -> EnrolmentPhotoOut:
    limit = stores.settings.max_enrolment_photo_bytes
    data = await read_limited(file, limit, "enrolment photo")
    record = await enrolment.set_photo(
        session, proctoring, stores.objects, actor.user_id, data, limit
    )
    return EnrolmentPhotoOut.model_validate(record)


@me.get(
    "/enrolment-photo",
    summary="Your enrolment photo (each view is recorded)",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}, **responses(NotFound)},
)
async def get_enrolment_photo(
    actor: Learner, session: DbSession, stores: StoresDep, proctoring: ProctoringDep
) -> Response:
    photo, media_type = await enrolment.photo_bytes(
        session, proctoring, stores.objects, actor.user_id
    )
    return Response(photo, media_type=media_type, headers={"Cache-Control": "no-store"})


@me.delete(
    "/enrolment-photo",
    status_code=204,
    summary="Delete your enrolment photo and its face embedding",
    responses=responses(NotFound),
)
async def delete_enrolment_photo(actor: Learner, session: DbSession, stores: StoresDep) -> None:
    await enrolment.delete_photo(session, stores.objects, actor.user_id)


@proctor.post(
    "/consents",
    status_code=201,
    response_model=ConsentOut,
    summary="Consent to proctoring for an exam (a learner; a parent for a child under 13)",
    responses=responses(NotFound, ParentConsentRequired, ProctoringNotRequired),
)
async def give_consent(
    body: ConsentIn, actor: Consenter, session: DbSession, stores: StoresDep
) -> ConsentOut:
    consent = await consents.give_consent(session, actor, body, stores.settings.coppa_minimum_age)
    return ConsentOut.model_validate(consent)


@proctor.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Start proctoring your open sitting of a proctored exam (consent first)",
    responses=responses(
        NotFound,
        SittingClosed,
        ProctoringNotRequired,
        ConsentRequired,
        EnrolmentRequired,
        ProctorSessionExists,
    ),
)
async def create_session(
    body: SessionIn, actor: Learner, session: DbSession, now: Now
) -> SessionOut:
    record = await sessions.create_session(session, actor, body.sitting_id, now)
    return await session_out(session, record)


@proctor.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="A proctoring session: live state, identity check and the events so far",
    responses=responses(NotFound),
)
async def get_session(
    session_id: uuid.UUID,
    actor: Principal,
    session: DbSession,
    proctoring: ProctoringDep,
    now: Now,
) -> SessionOut:
    return await sessions.session_view(session, proctoring, actor, session_id, now)


@proctor.post(
    "/sessions/{session_id}/offer",
    response_model=AnswerOut,
    summary="Send the webcam's WebRTC offer; the answer comes back (again to reconnect)",
    responses=responses(
        InvalidOffer,
        NotFound,
        ProctorSessionEnded,
        SittingClosed,
        ProctorUnavailable,
        ProctorHostFull,
    ),
)
async def offer(
    session_id: uuid.UUID,
    body: OfferIn,
    actor: Learner,
    session: DbSession,
    proctoring: ProctoringDep,
    now: Now,
) -> AnswerOut:
    return await sessions.answer_offer(session, proctoring, actor, session_id, body, now)


@proctor.get(
    "/sittings/{sitting_id}",
    response_model=SittingProctoringOut,
    summary="How a sitting is proctored: its session, or the exemption it runs under",
    responses=responses(NotFound),
)
async def sitting_proctoring(
    sitting_id: uuid.UUID, actor: Principal, session: DbSession
) -> SittingProctoringOut:
    return await views.sitting_proctoring(session, actor, sitting_id)


@proctor.post(
    "/exemptions",
    status_code=201,
    response_model=ExemptionOut,
    summary="Ask your teacher to sit a proctored exam unproctored (no webcam, no consent)",
    responses=responses(NotFound, ProctoringNotRequired, ExemptionExists),
)
async def request_exemption(body: ExemptionIn, actor: Learner, session: DbSession) -> ExemptionOut:
    return ExemptionOut.model_validate(await exemptions.request_exemption(session, actor, body))


@proctor.post(
    "/exemptions/{exemption_id}/decision",
    response_model=ExemptionOut,
    summary="Approve or refuse a learner's exemption (the class's teacher)",
    responses=responses(Forbidden, NotFound),
)
async def decide_exemption(
    exemption_id: uuid.UUID, body: ExemptionDecisionIn, actor: Staff, session: DbSession, now: Now
) -> ExemptionOut:
    exemption = await exemptions.decide_exemption(session, actor, exemption_id, body, now)
    return ExemptionOut.model_validate(exemption)


@proctor.get(
    "/exemptions",
    response_model=list[ExemptionOut],
    summary="Exemptions asked for an exam of your class",
    responses=responses(Forbidden, NotFound),
)
async def list_exemptions(
    actor: Staff,
    session: DbSession,
    assignment_id: uuid.UUID = Query(description="The exam."),
) -> list[ExemptionOut]:
    found = await exemptions.exemptions_of_exam(session, actor, assignment_id)
    return [ExemptionOut.model_validate(exemption) for exemption in found]


router = APIRouter()
for part in (me, proctor):
    router.include_router(part)
