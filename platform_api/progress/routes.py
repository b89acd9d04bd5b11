"""HTTP endpoints of progress: lesson events, statements, progress, class dashboard, leaderboard
and gradebook."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from core.infra.database import utcnow
from platform_api.auth.models import Role
from platform_api.auth.permissions import CurrentUser, Principal, RoleGate, Staff
from platform_api.auth.tokens import AccessClaims
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.progress import service
from platform_api.progress.dashboard import class_dashboard
from platform_api.progress.gradebook import gradebook_csv
from platform_api.progress.leaderboard import ISO_WEEK_PATTERN, class_leaderboard
from platform_api.progress.roster import class_roster
from platform_api.progress.schemas import (
    ClassDashboard,
    Leaderboard,
    LearnerProgress,
    LessonProgressIn,
    StatementPage,
)
from platform_api.progress.statements import learner_statements
from platform_api.users.service import readable_user

Learner = Annotated[AccessClaims, Depends(RoleGate(Role.STUDENT))]

router = APIRouter(prefix="/api/v1", tags=["progress"], responses=responses(401, 422, 429))


@router.post(
    "/lessons/{lesson_id}/progress",
    status_code=204,
    summary="Record that you viewed or completed a lesson (learners)",
    responses=responses(403, 404),
)
async def record_lesson_progress(
    lesson_id: uuid.UUID, body: LessonProgressIn, session: DbSession, actor: Learner
) -> None:
    await service.record_lesson_event(session, actor, lesson_id, body.event)


@router.get("/me/progress", response_model=LearnerProgress, summary="Your progress")
async def my_progress(user: CurrentUser, session: DbSession, stores: StoresDep) -> LearnerProgress:
    return await service.learner_progress(session, stores.analytics, user)


@router.get(
    "/me/statements",
    response_model=StatementPage,
    summary="Your learning statements (xAPI), newest first",
)
async def my_statements(
    actor: Principal, stores: StoresDep, limit: Limit = 50, offset: Offset = 0
) -> StatementPage:
    statements, total = await learner_statements(
        stores.analytics, actor.user_id, limit=limit, offset=offset
    )
    return StatementPage(statements=statements, total=total, limit=limit, offset=offset)


@router.get(
    "/users/{user_id}/progress",
    response_model=LearnerProgress,
    summary="A learner's progress (their parents, their teachers, admins)",
    responses=responses(403, 404),
)
async def user_progress(
    user_id: uuid.UUID, actor: Principal, session: DbSession, stores: StoresDep
) -> LearnerProgress:
    learner = await readable_user(session, actor, user_id)
    return await service.learner_progress(session, stores.analytics, learner)


@router.get(
    "/classes/{class_id}/dashboard",
    response_model=ClassDashboard,
    summary="A class's mastery grid, most missed items, inactive learners and completion",
    responses=responses(403, 404),
)
async def dashboard(
    class_id: uuid.UUID,
    actor: Staff,
    session: DbSession,
    stores: StoresDep,
    inactive_days: Annotated[
        int | None, Query(ge=1, le=365, description="Inactive after this many days.")
    ] = None,
) -> ClassDashboard:
    roster = await class_roster(session, actor, class_id)
    return await class_dashboard(
        session,
        stores.analytics,
        roster,
        now=utcnow(),
        inactive_after_days=inactive_days or stores.settings.inactive_after_days,
    )


@router.get(
    "/classes/{class_id}/leaderboard",
    response_model=Leaderboard,
    summary="A class's leaderboard of one ISO week",
    responses=responses(403, 404),
)
async def leaderboard(
    class_id: uuid.UUID,
    actor: Principal,
    session: DbSession,
    stores: StoresDep,
    week: Annotated[
        str | None,
        Query(pattern=ISO_WEEK_PATTERN, max_length=8, description="e.g. 2026-W10; default now."),
    ] = None,
) -> Leaderboard:
    roster = await class_roster(session, actor, class_id)
    return await class_leaderboard(
        stores.analytics,
        roster,
        actor.user_id,
        week=week,
        under_13=stores.settings.leaderboard_under_13,
        now=utcnow(),
    )


@router.get(
    "/classes/{class_id}/gradebook.csv",
    summary="A class's gradebook: learners × assignments, best graded scores (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **responses(403, 404)},
)
async def gradebook(class_id: uuid.UUID, actor: Staff, session: DbSession) -> Response:
    roster = await class_roster(session, actor, class_id)
    return Response(
        await gradebook_csv(session, roster),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="gradebook-{class_id}.csv"'},
    )
