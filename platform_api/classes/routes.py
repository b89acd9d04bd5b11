"""HTTP endpoints of the classes domain (``/api/v1/classes``)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from platform_api.auth.permissions import Principal, Staff
from platform_api.classes import roster, service
from platform_api.classes.roster import MAX_ROSTER_BYTES, RosterImport, RosterRefused
from platform_api.classes.schemas import AssignCourseRequest, ClassCreate, ClassOut, EnrollRequest
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.uploads import read_limited

router = APIRouter(prefix="/api/v1/classes", tags=["classes"], responses=responses(401, 422, 429))


@router.post(
    "",
    status_code=201,
    response_model=ClassOut,
    summary="Create a class you teach",
    responses=responses(403),
)
async def create_class(body: ClassCreate, session: DbSession, actor: Staff) -> ClassOut:
    return await service.describe(session, await service.create_class(session, actor, body.name))


@router.get("", response_model=list[ClassOut], summary="Classes you teach, attend or follow")
async def list_classes(session: DbSession, actor: Principal) -> list[ClassOut]:
    return [
        await service.describe(session, c) for c in await service.visible_classes(session, actor)
    ]


@router.get(
    "/{class_id}", response_model=ClassOut, summary="One class", responses=responses(403, 404)
)
async def get_class(class_id: uuid.UUID, session: DbSession, actor: Principal) -> ClassOut:
    return await service.describe(
        session, await service.get_visible_class(session, actor, class_id)
    )


@router.post(
    "/{class_id}/students",
    response_model=ClassOut,
    summary="Enroll a student by e-mail",
    responses=responses(403, 404),
)
async def enroll_student(
    class_id: uuid.UUID, body: EnrollRequest, session: DbSession, actor: Staff
) -> ClassOut:
    school_class = await service.enroll(session, actor, class_id, body.student_email)
    return await service.describe(session, school_class)


@router.delete(
    "/{class_id}/students/{student_id}",
    status_code=204,
    summary="Remove a student from the class",
    responses=responses(403, 404),
)
async def unenroll_student(
    class_id: uuid.UUID, student_id: uuid.UUID, session: DbSession, actor: Staff
) -> None:
    await service.unenroll(session, actor, class_id, student_id)


@router.post(
    "/{class_id}/courses",
    response_model=ClassOut,
    summary="Assign a course to the class",
    responses=responses(403, 404),
)
async def assign_course(
    class_id: uuid.UUID, body: AssignCourseRequest, session: DbSession, actor: Staff
) -> ClassOut:
    school_class = await service.assign_course(session, actor, class_id, body.course_id)
    return await service.describe(session, school_class)


@router.delete(
    "/{class_id}",
    status_code=204,
    summary="Delete a class you teach",
    responses=responses(403, 404),
)
async def delete_class(class_id: uuid.UUID, session: DbSession, actor: Staff) -> None:
    await service.delete_class(session, actor, class_id)


@router.post(
    "/{class_id}/roster",
    response_model=RosterImport,
    summary="Enrol learners from a CSV roster (an 'email' column); per-row errors come back",
    responses=responses(403, 404, 413, RosterRefused),
)
async def import_roster(
    class_id: uuid.UUID,
    session: DbSession,
    actor: Staff,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, a header row with 'email'.")],
    replace: Annotated[
        bool,
        Query(description="Also remove enrolled learners the file does not list (all rows good)."),
    ] = False,
) -> RosterImport:
    data = await read_limited(file, MAX_ROSTER_BYTES, "roster file")
    return await roster.import_roster(session, actor, class_id, data, replace=replace)
