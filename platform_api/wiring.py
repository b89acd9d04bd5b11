"""Builds every store from settings: the only place that chooses embedded or server backends."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from core.infra.analytics import AnalyticsStore
from core.infra.bus import EventBus
from core.infra.cache import Cache, RateLimiter
from core.infra.database import Database
from core.infra.mail import Mailer
from core.infra.objects import ObjectStore
from core.infra.objects.config import ObjectStoreConfig, open_object_store
from core.infra.outbox import OutboxRelay
from core.infra.postgres_embedded import ensure_database, platform_database_url
from core.infra.schema_lock import schema_lock
from core.personal_data import PersonalDataKeys, attach_keys, install_keys, load_keys
from core.settings import Settings
from platform_api.auth.keys import SigningKey, load_or_create_signing_key
from platform_api.auth.tokens import AccessTokenVerifier
from platform_api.schema import upgrade_schema_async

if TYPE_CHECKING:  # the OpenAI client's import is a second of every `wc` command's start
    from serving.client import LLMClient

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Stores:
    """Every open connection of one process, closed together."""

    settings: Settings
    database: Database
    cache: Cache
    rate_limiter: RateLimiter
    objects: ObjectStore
    analytics: AnalyticsStore
    bus: EventBus
    mailer: Mailer
    relay: OutboxRelay
    signing_key: SigningKey
    token_verifier: AccessTokenVerifier
    llm: "LLMClient"
    # Stops of background tasks started beside the stores (the deadline sweeper), run first.
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for stop in reversed(self.on_close):
            await stop()
        await self.relay.stop()
        await self.llm.close()
        await self.bus.close()
        for store in (self.cache, self.rate_limiter, self.objects, self.analytics):
            await store.close()
        await self.database.close()


def install_personal_data_keys(settings: Settings) -> PersonalDataKeys:
    """Load the personal-data keys and make them the process default (the migrations seal with
    them); engines opened by the wiring also carry them (``attach_keys``)."""
    keys = load_keys(
        settings.pii_key,
        settings.pii_retired_keys,
        settings.pii_hash_key,
        settings.resolved_data_dir,
    )
    install_keys(keys)
    return keys


def open_database(settings: Settings, url: str, pool_size: int = 10) -> Database:
    """The database at ``url``, sealing personal data with this process's keys."""
    database = Database(url, pool_size=pool_size)
    attach_keys(database.engine, install_personal_data_keys(settings))
    return database


async def prepare_database(settings: Settings) -> str:
    """Start the embedded server when no URL is configured, create the database, migrate it."""
    install_personal_data_keys(settings)
    url = platform_database_url(settings.database_url, settings.resolved_data_dir)
    await ensure_database(url)
    async with schema_lock(url):
        await upgrade_schema_async(url)
    return url


def build_cache(settings: Settings) -> tuple[Cache, RateLimiter]:
    if settings.redis_url:
        from core.infra.cache.redis import RedisCache, RedisRateLimiter

        return RedisCache.from_url(settings.redis_url), RedisRateLimiter.from_url(
            settings.redis_url
        )
    from core.infra.cache.memory import MemoryCache, MemoryRateLimiter

    return MemoryCache(), MemoryRateLimiter()


def build_bus(settings: Settings) -> EventBus:
    if settings.amqp_url:
        from core.infra.bus.rabbitmq import RabbitMqBus

        return RabbitMqBus(settings.amqp_url)
    from core.infra.bus.inprocess import InProcessBus

    return InProcessBus()


def build_analytics(settings: Settings) -> AnalyticsStore:
    if settings.clickhouse_url:
        from core.infra.analytics.clickhouse import ClickHouseAnalytics

        return ClickHouseAnalytics.from_url(settings.clickhouse_url)
    from core.infra.analytics.chdb import ChdbAnalytics

    return ChdbAnalytics(settings.resolved_data_dir / "clickhouse")


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url:
        from core.infra.mail.smtp import SmtpMailer

        return SmtpMailer(settings.smtp_url, settings.mail_from)
    from core.infra.mail.files import FileMailer

    return FileMailer(settings.resolved_data_dir / "mail", settings.mail_from)


async def open_stores(settings: Settings) -> Stores:
    from serving.client import LLMClient

    database = open_database(settings, await prepare_database(settings))
    cache, rate_limiter = build_cache(settings)
    bus = build_bus(settings)
    await bus.start()
    relay = OutboxRelay(database, bus, poll_seconds=settings.outbox_poll_seconds)
    signing_key = load_or_create_signing_key(
        settings.jwt_private_key_file, settings.resolved_data_dir
    )
    # Opened last: a chDB engine left open by a failed start would hold this process's one path.
    analytics = build_analytics(settings)
    await analytics.ensure_schema()
    stores = Stores(
        settings=settings,
        database=database,
        cache=cache,
        rate_limiter=rate_limiter,
        objects=open_object_store(ObjectStoreConfig.from_settings(settings)),
        analytics=analytics,
        bus=bus,
        mailer=build_mailer(settings),
        relay=relay,
        signing_key=signing_key,
        token_verifier=AccessTokenVerifier(signing_key, settings.jwt_issuer),
        llm=LLMClient(settings.llm_base_url, settings.llm_model, settings.llm_api_key),
    )
    logger.info(
        "stores open",
        extra={
            "database": "server" if settings.database_url else "embedded",
            "cache": "redis" if settings.redis_url else "memory",
            "bus": "rabbitmq" if settings.amqp_url else "in-process",
            "objects": "s3" if settings.s3_endpoint_url else "filesystem",
            "analytics": "clickhouse" if settings.clickhouse_url else "chdb",
        },
    )
    return stores


def run_with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """For command-line tools: prepare the database from settings, run ``work``, close it."""

    async def run() -> T:
        settings = Settings()
        database = open_database(settings, await prepare_database(settings), pool_size=2)
        try:
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(run())
