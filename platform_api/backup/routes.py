"""HTTP endpoint of backups (``/api/v1/backup``): the analytics rows of an embedded store, which
only the API process may open, for ``wc backup create`` to save (administrators)."""

import enum

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from core.errors import Forbidden
from core.infra.analytics.schema import LEARNING_STATEMENTS, TUTOR_FEEDBACK, TUTOR_TURNS
from platform_api.audit.service import Actor, AuditAction, record
from platform_api.auth.permissions import Admin
from platform_api.backup.analytics import table_lines
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses

router = APIRouter(prefix="/api/v1/backup", tags=["backup"], responses=responses(401, 422, 429))


class AnalyticsTableName(enum.StrEnum):
    TUTOR_TURNS = TUTOR_TURNS
    TUTOR_FEEDBACK = TUTOR_FEEDBACK
    LEARNING_STATEMENTS = LEARNING_STATEMENTS


NDJSON = "application/x-ndjson"


@router.get(
    "/analytics/{table}",
    response_class=StreamingResponse,
    summary="Every row of an analytics table, one JSON object a line, for a backup "
    "(administrators)",
    responses={
        200: {"content": {NDJSON: {}}, "description": "The rows as JSON lines."},
        **responses(Forbidden),
    },
)
async def analytics_rows(
    table: AnalyticsTableName, session: DbSession, stores: StoresDep, actor: Admin
) -> StreamingResponse:
    record(session, Actor.of(actor), AuditAction.ANALYTICS_EXPORTED, ("analytics_table", table))
    await session.commit()
    return StreamingResponse(table_lines(stores.analytics, table.value), media_type=NDJSON)
