"""What webhooks need in one API process, built from settings: the secret box, the target
allow-list, the sender, the dispatcher task and the fan-out consumer."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from core.encryption import AesGcmCipher, load_or_create_key
from core.infra.periodic import PeriodicTask
from platform_api.content.events import subscribe_job_webhooks
from platform_api.webhooks.dispatcher import RetryPolicy, WebhookDispatcher
from platform_api.webhooks.fanout import subscribe_fanout
from platform_api.webhooks.retention import PURGE_PERIOD_SECONDS, purge_delivery_log
from platform_api.webhooks.secret_box import SecretBox
from platform_api.webhooks.sender import WebhookSender
from platform_api.webhooks.targets import IpNetwork, check_url, parse_networks
from platform_api.wiring import Stores

KEY_FILE = Path("keys") / "webhook-secrets.key"


@dataclass(frozen=True)
class Webhooks:
    box: SecretBox
    allowed_networks: list[IpNetwork]
    max_attempts: int
    dispatcher: WebhookDispatcher

    def check_url(self, url: str) -> None:
        """Refuse a URL that webhooks may not reach (422 ``webhook_url_refused``)."""
        check_url(url, self.allowed_networks)


async def start_webhooks(stores: Stores) -> Webhooks:
    """Build webhooks, subscribe the fan-out and start the dispatcher (stopped with the stores)."""
    settings = stores.settings
    key = load_or_create_key(settings.webhook_secrets_key, settings.resolved_data_dir, KEY_FILE)
    box = SecretBox(AesGcmCipher.from_texts(key))
    allowed = parse_networks(settings.webhook_allowed_networks)
    concurrency = settings.webhook_dispatch_concurrency
    sender = WebhookSender(allowed, settings.webhook_timeout_seconds, max_connections=concurrency)
    policy = RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        base_seconds=settings.webhook_retry_base_seconds,
        max_seconds=settings.webhook_retry_max_seconds,
        disable_after_seconds=settings.webhook_disable_after_seconds,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    dispatcher = WebhookDispatcher(
        stores.database,
        sender,
        box,
        policy,
        concurrency=concurrency,
        poll_seconds=settings.webhook_dispatch_poll_seconds,
    )
    await subscribe_fanout(stores.bus, stores.database, policy.max_attempts, dispatcher.wake)
    stores.on_close.append(sender.close)  # run in reverse: the dispatcher stops first
    purge = PeriodicTask(
        "webhook-log-purge",
        partial(purge_delivery_log, stores.database, settings.webhook_log_retention_days),
        PURGE_PERIOD_SECONDS,
    )
    purge.start()
    stores.on_close.append(purge.stop)
    if settings.egress:
        await subscribe_job_webhooks(stores.bus, stores.database, settings.webhook_secret, sender)
        dispatcher.start()
        stores.on_close.append(dispatcher.stop)
    return Webhooks(box, allowed, policy.max_attempts, dispatcher)


def get_webhooks(request: Request) -> Webhooks:
    webhooks: Webhooks = request.app.state.webhooks
    return webhooks


WebhooksDep = Annotated[Webhooks, Depends(get_webhooks)]
