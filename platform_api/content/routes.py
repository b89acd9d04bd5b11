"""HTTP endpoints of content generation (``/api/v1/content``): jobs, review, items, exports."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from agents.content.settings import ContentSettings
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_api.auth.permissions import ContentTeam
from platform_api.content import exports, review, service
from platform_api.content.schemas import (
    GeneratedItemOut,
    ItemEdit,
    ItemVersionOut,
    JobCreate,
    JobOptions,
    JobOut,
    LessonEdit,
    ReviewDecision,
    ReviewEntry,
    TopicOut,
)
from platform_api.content.topics_input import format_of, parse_topics, rows_of
from platform_api.content.weak_topics import NoWeakObjectives, weak_objective_topics
from platform_api.curriculum.lesson_cache import published_lesson_cache
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.http.uploads import read_limited
from platform_api.mastery.schemas import FlaggedItem
from platform_api.webhooks.runtime import WebhooksDep
from platform_api.webhooks.targets import WebhookTargetRefused

router = APIRouter(
    prefix="/api/v1/content", tags=["content"], responses=responses(401, 403, 422, 429)
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Resubmitting with the same key returns the first job instead of a new one.",
    ),
]
EXPORT_TYPES = {
    "qti": ("application/zip", "zip"),
    "json": ("application/json", "json"),
    "markdown": ("text/markdown; charset=utf-8", "md"),
}


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    summary="Generate lessons, items and hints for a list of topics, or for the weakest "
    "objectives of a class",
    responses=responses(NotFound, Forbidden, NoWeakObjectives, WebhookTargetRefused),
)
async def create_job(
    body: JobCreate,
    session: DbSession,
    stores: StoresDep,
    actor: ContentTeam,
    webhooks: WebhooksDep,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    webhook_url = str(body.webhook_url) if body.webhook_url else None
    if webhook_url:
        webhooks.check_url(webhook_url)
    if body.weak_objectives_of_class is not None:
        weak = body.weak_objectives_of_class
        topics = await weak_objective_topics(
            session, actor, weak.class_id, body.course_id, weak.count
        )
    else:
        assert body.topics is not None  # one of the two, checked by JobCreate
        topics = rows_of(body.topics)
    job = await service.submit_job(
        session,
        actor,
        body.course_id,
        topics,
        body.options,
        model_name=stores.settings.llm_model,
        max_topics=ContentSettings().max_topics,
        webhook_url=webhook_url,
        idempotency_key=idempotency_key,
    )
    return await service.job_progress(session, job)


@router.post(
    "/jobs/file",
    status_code=202,
    response_model=JobOut,
    summary="Generate from a topics file (.csv with a 'topic' column, or .jsonl)",
    responses=responses(404, 413, WebhookTargetRefused),
)
async def create_job_from_file(
    session: DbSession,
    stores: StoresDep,
    actor: ContentTeam,
    webhooks: WebhooksDep,
    course_id: Annotated[uuid.UUID, Form()],
    file: Annotated[UploadFile, File(description="Topics: .csv or .jsonl")],
    options: Annotated[str, Form(max_length=10_000, description="JobOptions as JSON.")] = "{}",
    webhook_url: Annotated[str | None, Form(max_length=2_000)] = None,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    settings = ContentSettings()
    if webhook_url:
        webhooks.check_url(webhook_url)
    try:
        topic_format = format_of(file.filename or "")
        job_options = JobOptions.model_validate_json(options)
    except (ValueError, ValidationError) as error:
        raise ValidationFailed(str(error)) from error
    data = await read_limited(file, settings.max_input_bytes, "topics file")
    job = await service.submit_job(
        session,
        actor,
        course_id,
        parse_topics(data, topic_format),
        job_options,
        model_name=stores.settings.llm_model,
        max_topics=settings.max_topics,
        webhook_url=webhook_url,
        idempotency_key=idempotency_key,
    )
    return await service.job_progress(session, job)


@router.get(
    "/jobs",
    response_model=list[JobOut],
    summary="A course's content jobs, newest first",
    responses=responses(NotFound),
)
async def list_jobs(
    session: DbSession,
    actor: ContentTeam,
    course_id: uuid.UUID,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[JobOut]:
    return await service.list_jobs(session, actor, course_id, limit, offset)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="A job's progress: topics by status, percent done, ETA",
    responses=responses(404),
)
async def get_job(job_id: uuid.UUID, session: DbSession, actor: ContentTeam) -> JobOut:
    job = await service.readable_job(session, actor, job_id)
    return await service.job_progress(session, job)


@router.get(
    "/jobs/{job_id}/topics",
    response_model=list[TopicOut],
    summary="Every topic of a job with its status, failures and timings",
    responses=responses(404),
)
async def job_topics(job_id: uuid.UUID, session: DbSession, actor: ContentTeam) -> list[TopicOut]:
    job = await service.readable_job(session, actor, job_id)
    return await service.job_topics(session, job)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a job: queued topics now, running ones as soon as the runner sees it",
    responses=responses(404, 409),
)
async def cancel_job(job_id: uuid.UUID, session: DbSession, actor: ContentTeam) -> JobOut:
    job = await service.readable_job(session, actor, job_id)
    job = await service.cancel_job(session, job)
    return await service.job_progress(session, job)


@router.get(
    "/jobs/{job_id}/export",
    summary="Export a job's output: QTI 2.1 zip or JSON (items), Markdown (lessons)",
    responses={
        200: {"content": {t: {} for t, _ in EXPORT_TYPES.values()}},
        **responses(NotFound, Conflict),
    },
)
async def export_job(
    job_id: uuid.UUID,
    session: DbSession,
    actor: ContentTeam,
    format: Annotated[Literal["qti", "json", "markdown"], Query()] = "qti",
) -> Response:
    job = await service.readable_job(session, actor, job_id)
    lessons = await exports.job_lessons(session, job)
    if format == "qti":
        body = exports.qti_export(lessons, f"Content job {job.id}")
    elif format == "json":
        body = exports.json_export(lessons)
    else:
        body = exports.markdown_export(lessons)
    media_type, extension = EXPORT_TYPES[format]
    filename = exports.export_filename(job.id, extension)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/review",
    response_model=list[TopicOut],
    summary="The review queue of a course: generated topics awaiting a decision",
    responses=responses(404),
)
async def review_queue(
    session: DbSession,
    actor: ContentTeam,
    course_id: uuid.UUID,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[TopicOut]:
    return await review.review_queue(session, actor, course_id, limit, offset)


@router.get(
    "/review/flagged-items",
    response_model=list[FlaggedItem],
    summary="Items of a course that live responses flag for rewriting, with the figures",
    responses=responses(404),
)
async def flagged_items(
    session: DbSession,
    actor: ContentTeam,
    course_id: uuid.UUID,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[FlaggedItem]:
    return await review.flagged_items_for_review(session, actor, course_id, limit, offset)


@router.get(
    "/review/{topic_id}",
    response_model=ReviewEntry,
    summary="A generated lesson with its items, check verdicts and sources",
    responses=responses(404),
)
async def review_entry(topic_id: uuid.UUID, session: DbSession, actor: ContentTeam) -> ReviewEntry:
    return await review.review_entry(session, actor, topic_id)


@router.post(
    "/review/{topic_id}/decision",
    response_model=TopicOut,
    summary="Approve (publishes the lesson) or reject (with a reason)",
    responses=responses(404, 409),
)
async def decide(
    topic_id: uuid.UUID,
    body: ReviewDecision,
    session: DbSession,
    stores: StoresDep,
    actor: ContentTeam,
) -> TopicOut:
    cache = published_lesson_cache(stores)
    return await review.decide(session, actor, topic_id, body, cache)


@router.put(
    "/review/{topic_id}/lesson",
    response_model=ReviewEntry,
    summary="Edit a generated lesson under review (a new version, authored by you)",
    responses=responses(404, 409, 412),
)
async def edit_lesson(
    topic_id: uuid.UUID,
    body: LessonEdit,
    session: DbSession,
    stores: StoresDep,
    actor: ContentTeam,
) -> ReviewEntry:
    cache = published_lesson_cache(stores)
    return await review.edit_lesson(session, actor, topic_id, body, cache)


@router.put(
    "/items/{item_id}",
    response_model=GeneratedItemOut,
    summary="Edit a generated item (a new version, authored by you)",
    responses=responses(404, 412),
)
async def edit_item(
    item_id: uuid.UUID, body: ItemEdit, session: DbSession, actor: ContentTeam
) -> GeneratedItemOut:
    item = await review.edit_item(session, actor, item_id, body)
    return GeneratedItemOut.model_validate(item)


@router.get(
    "/items/{item_id}/versions",
    response_model=list[ItemVersionOut],
    summary="Every version of an item, with its author (a person, or a model and prompt)",
    responses=responses(404),
)
async def item_versions(
    item_id: uuid.UUID, session: DbSession, actor: ContentTeam
) -> list[ItemVersionOut]:
    versions = await review.item_versions(session, actor, item_id)
    return [ItemVersionOut.model_validate(version) for version in versions]
