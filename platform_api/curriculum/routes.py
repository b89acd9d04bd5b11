"""HTTP endpoints of the curriculum domain (``/api/v1/curricula``)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request, Response, UploadFile

from core.curriculum.models import Lesson
from platform_api.auth.permissions import Principal, Staff, preverified_principal
from platform_api.curriculum import access, assets, deletion, service
from platform_api.curriculum.lesson_cache import lesson_etag, published_lesson_cache
from platform_api.curriculum.schemas import (
    CourseCreate,
    CourseOut,
    CourseSummary,
    CurriculumCreate,
    CurriculumOut,
    ItemOut,
    LessonCreate,
    LessonOut,
    LessonUpdate,
    LessonVersionOut,
    SearchPage,
    StatusChange,
    UnitCreate,
    UnitOut,
)
from platform_api.curriculum.search import search_lessons
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.http.routing import shortcut_route
from platform_api.http.uploads import read_limited

router = APIRouter(
    prefix="/api/v1/curricula", tags=["curriculum"], responses=responses(401, 422, 429)
)

# Required: an edit without the ETag of the version it started from could overwrite another's.
IfMatch = Annotated[
    str, Header(min_length=1, max_length=200, description="ETag of the version you edit.")
]
IF_NONE_MATCH_MAX_LENGTH = 2_000
IfNoneMatch = Annotated[str | None, Header(max_length=IF_NONE_MATCH_MAX_LENGTH)]
JSON = "application/json"


def _lesson_response(lesson: Lesson, status_code: int = 200) -> Response:
    body = LessonOut.model_validate(lesson).model_dump_json()
    return Response(
        body,
        status_code=status_code,
        media_type=JSON,
        headers={"ETag": lesson_etag(lesson.id, lesson.version)},
    )


def _cached_lesson_answer(body: bytes, etag: str, if_none_match: str | None) -> Response:
    if if_none_match and etag in if_none_match:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=JSON, headers={"ETag": etag})


async def _cached_lesson(request: Request) -> Response | None:
    """``get_lesson``'s cache hit without dependency resolution: the same ``Principal`` check
    (any signed-in account with an open account reads a published lesson), then the cache."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and len(if_none_match) > IF_NONE_MATCH_MAX_LENGTH:
        return None  # the endpoint refuses it (422)
    if await preverified_principal(request) is None:
        return None
    cache = published_lesson_cache(request.app.state.stores)
    cached = await cache.get(uuid.UUID(request.path_params["lesson_id"]))
    return None if cached is None else _cached_lesson_answer(*cached, if_none_match)


async def get_lesson(
    lesson_id: uuid.UUID,
    stores: StoresDep,
    actor: Principal,
    if_none_match: IfNoneMatch = None,
) -> Response:
    cache = published_lesson_cache(stores)
    cached = await cache.get(lesson_id)
    if cached is None:
        async with stores.database.session() as session:
            lesson = await access.readable_lesson(session, actor, lesson_id)
            body, etag = await cache.put(lesson), lesson_etag(lesson.id, lesson.version)
    else:
        body, etag = cached
    return _cached_lesson_answer(body, etag, if_none_match)


# The hottest route of the API, declared first so it is matched first; a cache hit answers from
# the shortcut, without FastAPI's dependency resolution or the database (bench/api.py).
router.add_api_route(
    "/lessons/{lesson_id}",
    get_lesson,
    methods=["GET"],
    response_model=LessonOut,
    summary="Read a lesson (published ones are cached)",
    responses={304: {"description": "Not modified (If-None-Match)"}, **responses(404)},
    route_class_override=shortcut_route(_cached_lesson),
)


@router.post(
    "",
    status_code=201,
    response_model=CurriculumOut,
    summary="Create a curriculum",
    responses=responses(403),
)
async def create_curriculum(
    body: CurriculumCreate, session: DbSession, actor: Staff
) -> CurriculumOut:
    return CurriculumOut.model_validate(await service.create_curriculum(session, actor, body))


@router.get("", response_model=list[CurriculumOut], summary="List curricula")
async def list_curricula(
    session: DbSession,
    _: Principal,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[CurriculumOut]:
    found = await service.list_curricula(session, limit, offset)
    return [CurriculumOut.model_validate(c) for c in found]


@router.get("/search", response_model=SearchPage, summary="Full-text search over lessons")
async def search(
    session: DbSession,
    actor: Principal,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Web-search syntax")],
    course_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchPage:
    return await search_lessons(session, actor, q, course_id, limit, offset)


@router.post(
    "/{curriculum_id}/courses",
    status_code=201,
    response_model=CourseOut,
    summary="Add a course to a curriculum you own",
    responses=responses(403, 404),
)
async def create_course(
    curriculum_id: uuid.UUID, body: CourseCreate, session: DbSession, actor: Staff
) -> CourseOut:
    course = await service.create_course(session, actor, curriculum_id, body)
    return await service.course_outline(session, actor, course.id, course)


@router.get(
    "/courses",
    response_model=list[CourseSummary],
    summary="The course catalogue: courses you can read, by title",
)
async def list_courses(
    session: DbSession,
    actor: Principal,
    limit: Limit = 50,
    offset: Offset = 0,
    curriculum_id: Annotated[
        uuid.UUID | None, Query(description="Only this curriculum's courses.")
    ] = None,
) -> list[CourseSummary]:
    return await service.course_catalogue(session, actor, limit, offset, curriculum_id)


@router.get(
    "/courses/{course_id}",
    response_model=CourseOut,
    summary="A course with its units and lessons",
    responses=responses(404),
)
async def get_course(course_id: uuid.UUID, session: DbSession, actor: Principal) -> CourseOut:
    return await service.course_outline(session, actor, course_id)


@router.post(
    "/courses/{course_id}/units",
    status_code=201,
    response_model=UnitOut,
    summary="Add a unit to a course",
    responses=responses(403, 404),
)
async def create_unit(
    course_id: uuid.UUID, body: UnitCreate, session: DbSession, actor: Staff
) -> UnitOut:
    return UnitOut.model_validate(await service.create_unit(session, actor, course_id, body))


@router.post(
    "/units/{unit_id}/lessons",
    status_code=201,
    response_model=LessonOut,
    summary="Add a draft lesson to a unit",
    responses=responses(403, 404),
)
async def create_lesson(
    unit_id: uuid.UUID, body: LessonCreate, session: DbSession, actor: Staff
) -> Response:
    return _lesson_response(await service.create_lesson(session, actor, unit_id, body), 201)


@router.patch(
    "/lessons/{lesson_id}",
    response_model=LessonOut,
    summary="Edit a lesson (If-Match required)",
    responses=responses(403, 404, 412, 428),
)
async def update_lesson(
    lesson_id: uuid.UUID,
    body: LessonUpdate,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
    if_match: IfMatch,
) -> Response:
    lesson = await service.update_lesson(
        session, actor, lesson_id, if_match, body, published_lesson_cache(stores)
    )
    return _lesson_response(lesson)


@router.post(
    "/lessons/{lesson_id}/status",
    response_model=LessonOut,
    summary="Move a lesson between draft, review and published (If-Match required)",
    responses=responses(403, 404, 409, 412, 428),
)
async def change_status(
    lesson_id: uuid.UUID,
    body: StatusChange,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
    if_match: IfMatch,
) -> Response:
    lesson = await service.change_status(
        session, actor, lesson_id, if_match, body, published_lesson_cache(stores)
    )
    return _lesson_response(lesson)


@router.get(
    "/lessons/{lesson_id}/versions",
    response_model=list[LessonVersionOut],
    summary="Version history of a lesson",
    responses=responses(403, 404),
)
async def lesson_versions(
    lesson_id: uuid.UUID, session: DbSession, actor: Staff
) -> list[LessonVersionOut]:
    versions = await service.lesson_versions(session, actor, lesson_id)
    return [LessonVersionOut.model_validate(v) for v in versions]


@router.get(
    "/lessons/{lesson_id}/items",
    response_model=list[ItemOut],
    summary="Assessment items of a lesson (answers for editors only)",
    responses=responses(404),
)
async def lesson_items(lesson_id: uuid.UUID, session: DbSession, actor: Principal) -> list[ItemOut]:
    return await service.lesson_items(session, actor, lesson_id)


@router.post(
    "/lessons/{lesson_id}/assets",
    response_model=LessonOut,
    status_code=201,
    summary="Attach a file to a lesson (image, PDF, MP3, MP4; If-Match required)",
    responses=responses(403, 404, 412, 428, 413, 415),
)
async def add_asset(
    lesson_id: uuid.UUID,
    file: UploadFile,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
    if_match: IfMatch,
    title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    limit = stores.settings.max_asset_bytes
    data = await read_limited(file, limit, "asset")
    lesson = await assets.add_asset(
        session,
        stores.objects,
        published_lesson_cache(stores),
        actor,
        lesson_id,
        if_match,
        (data, title or file.filename or "asset"),
        limit,
    )
    return _lesson_response(lesson, 201)


@router.get(
    "/lessons/{lesson_id}/assets/{asset_id}",
    summary="Download a lesson's file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **responses(404)},
)
async def get_asset(
    lesson_id: uuid.UUID,
    asset_id: uuid.UUID,
    session: DbSession,
    stores: StoresDep,
    actor: Principal,
) -> Response:
    stored = await assets.read_asset(session, stores.objects, actor, lesson_id, asset_id)
    return Response(
        stored.data, media_type=stored.content_type, headers={"X-Content-Type-Options": "nosniff"}
    )


@router.delete(
    "/lessons/{lesson_id}",
    status_code=204,
    summary="Delete a lesson with its versions, items and files (If-Match required)",
    responses=responses(403, 404, 412, 428),
)
async def delete_lesson(
    lesson_id: uuid.UUID,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
    if_match: IfMatch,
) -> None:
    await deletion.delete_lesson(
        session, stores.objects, published_lesson_cache(stores), actor, lesson_id, if_match
    )


@router.delete(
    "/courses/{course_id}",
    status_code=204,
    summary="Delete a course with its units, lessons and files",
    responses=responses(403, 404),
)
async def delete_course(
    course_id: uuid.UUID, session: DbSession, stores: StoresDep, actor: Staff
) -> None:
    await deletion.delete_course(
        session, stores.objects, published_lesson_cache(stores), actor, course_id
    )
