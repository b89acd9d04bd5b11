"""HTTP endpoints of grading: the teacher's queue (``/api/v1/grading-queue``), a grade's
history, teacher overrides and learner disputes (``/api/v1/responses/{id}/...``)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_api.auth.models import Role
from platform_api.auth.permissions import Principal, RoleGate, Staff
from platform_api.auth.tokens import AccessClaims
from platform_api.deps import DbSession
from platform_api.grading import review
from platform_api.grading.schemas import (
    DisputeRequest,
    GradeOverride,
    QueueFilter,
    QueuePage,
    ResponseGradeOut,
    RevisionOut,
)
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset

Learner = Annotated[AccessClaims, Depends(RoleGate(Role.STUDENT))]

router = APIRouter(tags=["grading"], responses=responses(401, 422, 429))


@router.get(
    "/api/v1/grading-queue",
    response_model=QueuePage,
    summary="Answers waiting for you: low confidence, disputed, or delayed",
    responses=responses(Forbidden),
)
async def grading_queue(
    session: DbSession,
    actor: Staff,
    show: Annotated[QueueFilter, Query(description="Which answers to list.")] = QueueFilter.ALL,
    class_id: Annotated[uuid.UUID | None, Query(description="Only this class.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QueuePage:
    return await review.grading_queue(session, actor, show, class_id, limit, offset)


@router.post(
    "/api/v1/responses/{response_id}/grade",
    response_model=ResponseGradeOut,
    summary="Grade or re-grade an answer (a new, versioned revision with your reason)",
    responses=responses(Forbidden, NotFound, Conflict, ValidationFailed),
)
async def override_grade(
    response_id: uuid.UUID, body: GradeOverride, session: DbSession, actor: Staff
) -> ResponseGradeOut:
    return await review.override_grade(session, actor, response_id, body.points, body.reason)


@router.post(
    "/api/v1/responses/{response_id}/dispute",
    response_model=ResponseGradeOut,
    summary="Dispute the grade of one of your answers (it goes to your teacher)",
    responses=responses(Forbidden, NotFound, Conflict),
)
async def dispute_grade(
    response_id: uuid.UUID, body: DisputeRequest, session: DbSession, actor: Learner
) -> ResponseGradeOut:
    return await review.dispute_grade(session, actor, response_id, body.reason)


@router.get(
    "/api/v1/responses/{response_id}/grades",
    response_model=list[RevisionOut],
    summary="Every grade an answer received, oldest first",
    responses=responses(Forbidden, NotFound),
)
async def grade_history(
    response_id: uuid.UUID, session: DbSession, actor: Principal
) -> list[RevisionOut]:
    return await review.grade_history(session, actor, response_id)
