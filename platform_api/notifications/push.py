"""Web Push (RFC 8030/8291/8292): the VAPID key, browsers' subscriptions, and the sending consumer.

Each push to each subscription is its own outbox event, so a retry resends to the one browser
that failed, not to all of them. A push service answering 404 or 410 says the subscription is
gone: it is deleted, and the event counts as handled.
"""

import asyncio
import ipaddress
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from py_vapid.utils import b64urldecode, b64urlencode
from pydantic import BaseModel
from pywebpush import WebPushException, webpush_async
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.infra.bus import Event, EventBus
from core.infra.database import Database, utcnow
from core.infra.outbox import add_event, idempotent
from platform_api.notifications.models import PushSubscription
from platform_api.notifications.push_transport import PushTargetRefused
from platform_api.notifications.schemas import PushSubscriptionIn

logger = logging.getLogger(__name__)

PUSH_REQUESTED = "notification.push_requested"
CONSUMER = "notifications.push"
GONE = (404, 410)
# How long the push service keeps a message for a browser that is offline.
TTL_SECONDS = 24 * 3600


class InvalidPushSubscription(ValidationFailed):
    code = "invalid_push_subscription"


class PushMessage(BaseModel):
    """What the service worker receives (decrypted): enough to show a notification."""

    kind: str
    title: str
    body: str
    url: str


class PushRequested(BaseModel):
    subscription_id: uuid.UUID
    message: PushMessage


def load_or_create_vapid(configured: str, data_dir: Path) -> Vapid:
    """The configured key (base64url raw or DER), or the one generated on first start."""
    if configured:
        return Vapid.from_string(private_key=configured)
    path = data_dir / "keys" / "vapid-private.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid()
        key.generate_keys()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.private_pem())
    return Vapid.from_pem(path.read_bytes())


def application_server_key(vapid: Vapid) -> str:
    """The public key as browsers take it (``applicationServerKey``): base64url, uncompressed."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return str(b64urlencode(raw))


def _check_endpoint(endpoint: str, http_loopback_hosts: list[str]) -> None:
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if parts.scheme == "http" and host in http_loopback_hosts and address and address.is_loopback:
        return
    if parts.scheme != "https" or not host:
        raise InvalidPushSubscription("A push endpoint must be an https:// URL.")
    if address is not None and not address.is_global:
        raise InvalidPushSubscription("A push endpoint must be a public push service.")


def _check_keys(p256dh: str, auth: str) -> None:
    try:
        raw_key, raw_auth = b64urldecode(p256dh.encode()), b64urldecode(auth.encode())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
    except ValueError as error:
        raise InvalidPushSubscription("p256dh is not a P-256 public key.") from error
    if len(raw_key) != 65 or len(raw_auth) != 16:
        raise InvalidPushSubscription("p256dh must be 65 bytes and auth 16 bytes (base64url).")


async def save_subscription(
    session: AsyncSession,
    user_id: uuid.UUID,
    subscription: PushSubscriptionIn,
    http_loopback_hosts: list[str],
) -> None:
    """Store the browser's subscription for the user (a browser re-subscribing replaces it)."""
    _check_endpoint(subscription.endpoint, http_loopback_hosts)
    _check_keys(subscription.keys.p256dh, subscription.keys.auth)
    values = {
        "user_id": user_id,
        "p256dh": subscription.keys.p256dh,
        "auth": subscription.keys.auth,
        "created_at": utcnow(),
    }
    await session.execute(
        insert(PushSubscription)
        .values(id=uuid.uuid4(), endpoint=subscription.endpoint, **values)
        .on_conflict_do_update(index_elements=["endpoint"], set_=values)
    )
    await session.commit()


async def delete_subscription(session: AsyncSession, user_id: uuid.UUID, endpoint: str) -> bool:
    deleted = await session.execute(
        delete(PushSubscription)
        .where(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)
        .returning(PushSubscription.id)
    )
    await session.commit()
    return deleted.scalar_one_or_none() is not None


async def has_subscription(session: AsyncSession, user_id: uuid.UUID) -> bool:
    found = await session.scalar(select(PushSubscription.id).filter_by(user_id=user_id).limit(1))
    return found is not None


async def queue_pushes(session: AsyncSession, user_id: uuid.UUID, message: PushMessage) -> int:
    """One outbox event per browser the user subscribed; return how many."""
    subscriptions = list(
        await session.scalars(select(PushSubscription.id).filter_by(user_id=user_id))
    )
    for subscription_id in subscriptions:
        request = PushRequested(subscription_id=subscription_id, message=message)
        add_event(session, PUSH_REQUESTED, request.model_dump(mode="json"))
    return len(subscriptions)


@dataclass(frozen=True)
class PushSender:
    """What sending a push needs: the key it is signed with, its contact, the HTTP client."""

    vapid: Vapid
    subject: str
    http: aiohttp.ClientSession
    timeout_seconds: float


async def _post(sender: PushSender, info: dict[str, Any], message: PushMessage) -> None:
    async with asyncio.timeout(sender.timeout_seconds):
        await webpush_async(
            info,
            json.dumps(message.model_dump()),
            vapid_private_key=sender.vapid,
            vapid_claims={"sub": sender.subject},
            ttl=TTL_SECONDS,
            aiohttp_session=sender.http,
        )


async def _send(session: AsyncSession, request: PushRequested, sender: PushSender) -> None:
    subscription = await session.get(PushSubscription, request.subscription_id)
    if subscription is None:
        return  # the browser unsubscribed meanwhile
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        await _post(sender, info, request.message)
    except aiohttp.ClientConnectorError as error:
        if not isinstance(error.os_error, PushTargetRefused):
            raise  # the service is down: the bus retries
        logger.warning("Push subscription %s refused (%s): deleted", subscription.id, error)
        await session.delete(subscription)
    except WebPushException as error:
        if error.status_code not in GONE:
            raise
        logger.info(
            "Push subscription %s is gone (%s): deleted", subscription.id, error.status_code
        )
        await session.delete(subscription)


async def subscribe_pusher(bus: EventBus, database: Database, sender: PushSender) -> None:
    async def send(session: AsyncSession, event: Event) -> None:
        await _send(session, PushRequested.model_validate(event.payload), sender)

    await bus.subscribe(CONSUMER, [PUSH_REQUESTED], idempotent(database, CONSUMER, send))
