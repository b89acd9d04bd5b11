"""Subscription secrets sealed at rest (AES-GCM, bound to the subscription's row), and the
secrets that sign a delivery now: the current one, and the previous one during a rotation."""

import uuid
from datetime import datetime
from typing import Literal

from core.encryption import AesGcmCipher
from platform_api.webhooks.models import WebhookSubscription

Slot = Literal["current", "previous"]


class SecretBox:
    def __init__(self, cipher: AesGcmCipher) -> None:
        self._cipher = cipher

    def seal(self, subscription_id: uuid.UUID, secret: str, slot: Slot) -> bytes:
        return self._cipher.seal(secret.encode(), context=_context(subscription_id, slot))

    def current(self, subscription: WebhookSubscription) -> str:
        return self._open(subscription.id, subscription.sealed_secret, "current")

    def signing_secrets(self, subscription: WebhookSubscription, now: datetime) -> list[str]:
        secrets = [self.current(subscription)]
        expires = subscription.previous_secret_expires_at
        if (
            subscription.sealed_previous_secret is not None
            and expires is not None
            and now < expires
        ):
            secrets.append(
                self._open(subscription.id, subscription.sealed_previous_secret, "previous")
            )
        return secrets

    def _open(self, subscription_id: uuid.UUID, sealed: bytes, slot: Slot) -> str:
        return self._cipher.open(sealed, context=_context(subscription_id, slot)).decode()


def _context(subscription_id: uuid.UUID, slot: Slot) -> str:
    return f"webhook_subscriptions:{subscription_id}:{slot}"
