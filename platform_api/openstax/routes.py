"""HTTP endpoint for OpenStax imports (``POST /api/v1/curricula/import``)."""

from fastapi import APIRouter, UploadFile

from platform_api.auth.permissions import Staff
from platform_api.curriculum.lesson_cache import published_lesson_cache
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.uploads import read_limited
from platform_api.openstax.importer import ImportSummary
from platform_api.openstax.service import import_openstax_source

router = APIRouter(
    prefix="/api/v1/curricula", tags=["curriculum"], responses=responses(401, 403, 422, 429)
)


@router.post(
    "/import",
    response_model=list[ImportSummary],
    summary="Import an OpenStax book (zip)",
    description="A zip of an OpenStax CNXML book: `collections/*.collection.xml` and "
    "`modules/*/index.cnxml`. Every collection becomes a course. Re-import updates in "
    "place. Malformed input is refused with the module and line; nothing is written.",
    responses=responses(413),
)
async def import_openstax(
    file: UploadFile, session: DbSession, stores: StoresDep, actor: Staff
) -> list[ImportSummary]:
    data = await read_limited(file, stores.settings.max_import_bytes, "archive")
    return await import_openstax_source(
        session, data, actor.user_id, lesson_cache=published_lesson_cache(stores)
    )
