"""The FastAPI application factory."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import Scope

from core.infra.cache import RateLimiter
from core.settings import Settings
from core.tracing import configure_tracing, flush_tracing
from platform_api.analytics.capture import subscribe_capture
from platform_api.assessments.routes import router as assessments_router
from platform_api.assessments.sweeper import start_deadline_sweeper
from platform_api.audit.routes import router as audit_router
from platform_api.auth.oidc_routes import router as oidc_router
from platform_api.auth.permissions import identify_bearer
from platform_api.auth.routes import router as auth_router
from platform_api.backup.routes import router as backup_router
from platform_api.classes.routes import router as classes_router
from platform_api.content.routes import router as content_router
from platform_api.curriculum.routes import router as curriculum_router
from platform_api.grading.routes import router as grading_router
from platform_api.grading.saga import subscribe_grading
from platform_api.http.errors import install_error_handlers
from platform_api.http.health import router as health_router
from platform_api.http.logging import configure_logging
from platform_api.http.middleware import RateLimitMiddleware, RequestContextMiddleware
from platform_api.http.routing import match_uuid_parameters_only
from platform_api.http.security_headers import SecurityHeadersMiddleware, security_policy
from platform_api.http.tracing import TracingMiddleware
from platform_api.http.web_client import serve_web_client
from platform_api.lti.grades import subscribe_lti_grades
from platform_api.lti.routes import router as lti_router
from platform_api.mastery.events import subscribe_mastery
from platform_api.mastery.routes import router as mastery_router
from platform_api.ml.routes import router as ml_router
from platform_api.notifications.routes import router as notifications_router
from platform_api.notifications.runtime import start_notifications
from platform_api.openstax.routes import router as import_router
from platform_api.proctor.events import subscribe_biometric_erasure, subscribe_session_ends
from platform_api.proctor.privacy.scheduled import start_evidence_purge
from platform_api.proctor.review.routes import router as proctor_review_router
from platform_api.proctor.routes import router as proctor_router
from platform_api.proctor.runtime import open_proctoring
from platform_api.progress.capture import subscribe_statements
from platform_api.progress.reminders import start_reminder_sweeper
from platform_api.progress.routes import router as progress_router
from platform_api.realtime.chat.routes import router as class_chat_router
from platform_api.realtime.events import subscribe_pushes
from platform_api.realtime.hub import router as realtime_router
from platform_api.realtime.runtime import open_realtime
from platform_api.tutor.routes import router as tutor_router
from platform_api.tutor.runtime import open_tutor
from platform_api.users.routes import router as users_router
from platform_api.webhooks.routes import router as webhooks_router
from platform_api.webhooks.runtime import start_webhooks
from platform_api.wiring import Stores, open_stores
from rag.consumer import subscribe_reingestion
from rag.embeddings import Embedder
from rag.settings import RagSettings

logger = logging.getLogger(__name__)

DESCRIPTION = """
The Water Classroom platform API: accounts, classes, curricula, lessons, notifications and
the AI tutor.

Every error has the shape `{"error": {"code", "message", "details"}}` with a stable `code`.
Send `Authorization: Bearer <access token>`; tokens come from `/api/v1/auth/login`.

Real time: the tutor's answers stream as Server-Sent Events from
`POST /api/v1/tutor/sessions/{id}/messages`, and over the WebSocket hub `/api/v1/ws`
(not listed below, as OpenAPI does not describe WebSockets): send
`{"type": "auth", "token": ...}` first, then `{"type": "tutor.send", "request_id",
"session_id", "content"}` and `{"type": "tutor.cancel", "request_id"}`; answers come back as
`tutor.turn`, `tutor.token`, `tutor.replace`, `tutor.done` frames, problems as `error` frames
with the same codes as HTTP errors. The same socket follows class channels (chat and presence)
and your own channel (grades, notifications, content jobs): `subscribe`, `heartbeat`,
`chat.send`; see docs/integrations.md.
"""


# Routes are matched in this order: the most requested (lesson reads) come first.
ROUTERS: tuple[APIRouter, ...] = (
    curriculum_router,
    import_router,
    users_router,
    classes_router,
    class_chat_router,
    assessments_router,
    proctor_router,
    proctor_review_router,
    tutor_router,
    content_router,
    mastery_router,
    grading_router,
    notifications_router,
    progress_router,
    realtime_router,
    auth_router,
    oidc_router,
    ml_router,
    webhooks_router,
    lti_router,
    audit_router,
    backup_router,
    health_router,
)


async def start_background_work(
    stores: Stores, embedder: Embedder, rag_settings: RagSettings
) -> None:
    await subscribe_reingestion(stores.bus, stores.database, embedder, rag_settings)
    await subscribe_capture(stores.bus, stores.analytics)
    await subscribe_mastery(stores.bus, stores.database)
    await subscribe_grading(stores, embedder)
    await subscribe_statements(stores.bus, stores.database, stores.analytics)
    await subscribe_lti_grades(stores)
    stores.relay.start()
    await start_deadline_sweeper(stores)
    await start_reminder_sweeper(stores)
    await start_evidence_purge(stores)


async def _warm_encoder(embedder: Embedder) -> None:
    """Load the encoder after start-up; a model that cannot load is said now, in the log, not
    first at a learner's question (which then fails with the same error)."""
    try:
        seconds = round(await embedder.warm(), 1)
    except Exception:
        logger.exception("encoder failed to load", extra={"model": embedder.model_name})
        return
    logger.info("encoder loaded", extra={"model": embedder.model_name, "seconds": seconds})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing("wc-platform", settings.otlp_endpoint, settings.trace_sample_ratio)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stores = await open_stores(settings)
        app.state.stores = stores
        # One embedder per process, shared by re-ingestion and the tutor; its model loads in the
        # background once the API is up, so that neither start-up nor the first tutor turn waits.
        rag_settings = RagSettings()
        embedder = Embedder.from_settings(rag_settings)
        app.state.tutor = tutor = await open_tutor(stores, embedder, rag_settings)
        app.state.proctoring = proctoring = open_proctoring(stores)
        await subscribe_session_ends(stores, proctoring)
        await subscribe_biometric_erasure(stores, proctoring)
        app.state.webhooks = await start_webhooks(stores)
        app.state.notifications = await start_notifications(stores)
        app.state.realtime = realtime = await open_realtime(settings, stores.rate_limiter)
        await subscribe_pushes(stores.bus, stores.database, realtime.fanout)
        await start_background_work(stores, embedder, rag_settings)
        logger.info("api ready", extra={"url": settings.base_url})
        warming = asyncio.create_task(_warm_encoder(embedder), name="warm-encoder")
        try:
            yield
        finally:
            warming.cancel()
            await realtime.close()
            await proctoring.close()
            await tutor.close()
            await stores.close()
            flush_tracing()

    app = FastAPI(
        title="Water Classroom API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    match_uuid_parameters_only(app.router.routes)
    app.router.default = serve_web_client(app.router.default, settings.web_dist)

    def limiter() -> RateLimiter:
        stores: Stores = app.state.stores
        return stores.rate_limiter

    def identify(scope: Scope) -> str | None:
        stores: Stores = app.state.stores
        return identify_bearer(scope, stores.token_verifier)

    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        per_minute=settings.rate_limit_per_minute,
        identify=identify,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        policy=security_policy(
            settings.frame_ancestors,
            settings.csp_image_sources,
            settings.hsts_max_age_seconds,
            settings.public_url,
        ),
    )
    app.add_middleware(TracingMiddleware)  # outermost: the access log line is inside its span
    return app
