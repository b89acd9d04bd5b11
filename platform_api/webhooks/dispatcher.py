"""Sends due deliveries, records every attempt, retries with back-off and jitter, dead-letters a
delivery whose attempts are spent and disables a subscription that has failed for too long.

A batch is claimed with ``FOR UPDATE SKIP LOCKED`` and leased (its ``next_attempt_at`` pushed past
the request timeout) in a short transaction; the POSTs run outside any transaction, concurrently;
the results are written in a second one. A process that dies mid-batch leaves leased rows that
the next dispatcher takes when the lease runs out: delivery is at least once, and receivers
deduplicate by ``Water-Classroom-Event-Id``.
"""

import asyncio
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.backoff import exponential_delay
from core.infra.database import Database, utcnow
from core.infra.periodic import PeriodicTask
from platform_api.auth.models import User
from platform_api.notifications.service import notify
from platform_api.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from platform_api.webhooks.secret_box import SecretBox
from platform_api.webhooks.sender import AttemptResult, WebhookSender
from platform_api.webhooks.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)
DISABLED_KIND = "webhook.disabled"
LEASE_MARGIN_SECONDS = 30.0
LANES = 2


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float
    disable_after_seconds: float
    timeout_seconds: float

    def delay_after(self, failed_attempts: int) -> float:
        """Exponential back-off with equal jitter: half the ceiling, plus up to the other half."""
        ceiling = exponential_delay(failed_attempts, self.base_seconds, self.max_seconds)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Claim:
    """A leased delivery, ready to POST."""

    delivery_id: uuid.UUID
    subscription_id: uuid.UUID
    url: str
    body: bytes
    headers: dict[str, str]
    number: int  # of this attempt
    attempts_left: int  # after this attempt, if it fails


def envelope(delivery: WebhookDelivery) -> bytes:
    """The body every receiver gets: the event's identity and its versioned data."""
    document = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "occurred_at": delivery.occurred_at.isoformat(),
        "data": delivery.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


class WebhookDispatcher:
    def __init__(
        self,
        database: Database,
        sender: WebhookSender,
        box: SecretBox,
        policy: RetryPolicy,
        *,
        concurrency: int,
        poll_seconds: float,
    ) -> None:
        self._database = database
        self._sender = sender
        self._box = box
        self._policy = policy
        # Lanes claim, send and record batches side by side, so one lane's database work
        # overlaps the others' POSTs; ``concurrency`` POSTs are in flight at most.
        self._lanes = min(LANES, concurrency)
        self._batch_size = max(1, concurrency // self._lanes)
        self._task = PeriodicTask("webhook-dispatcher", self.drain, poll_seconds)

    def start(self) -> None:
        self._task.start()

    def wake(self) -> None:
        """Look for due deliveries now (new ones were queued in this process)."""
        self._task.wake()

    async def stop(self) -> None:
        await self._task.stop()

    async def drain(self) -> int:
        """Send until nothing is due; return how many deliveries were attempted."""
        return sum(await asyncio.gather(*(self._drain_lane() for _ in range(self._lanes))))

    async def _drain_lane(self) -> int:
        attempted = 0
        while True:
            sent = await self.dispatch_batch()
            attempted += sent
            if sent < self._batch_size:
                return attempted

    async def dispatch_batch(self) -> int:
        claims = await self._claim()
        if not claims:
            return 0
        results = await asyncio.gather(
            *(self._sender.post(claim.url, claim.body, claim.headers) for claim in claims)
        )
        await self._record(list(zip(claims, results, strict=True)))
        return len(claims)

    async def _claim(self) -> list[Claim]:
        """Lease a batch of due deliveries (one UPDATE … RETURNING) and build their requests."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self._policy.timeout_seconds + LEASE_MARGIN_SECONDS)
        due = (
            select(WebhookDelivery.id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(self._batch_size)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        async with self._database.session() as session, session.begin():
            await _without_waiting_for_disk(session)
            leased = await session.scalars(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=lease_until)
                .returning(WebhookDelivery),
                execution_options={"synchronize_session": False},
            )
            deliveries = list(leased)
            if not deliveries:
                return []
            subscriptions = {
                subscription.id: subscription
                for subscription in await session.scalars(
                    select(WebhookSubscription).where(
                        WebhookSubscription.id.in_({d.subscription_id for d in deliveries})
                    )
                )
            }
            secrets = {
                key: self._box.signing_secrets(subscription, now)
                for key, subscription in subscriptions.items()
            }
        return [
            self._claim_of(d, subscriptions[d.subscription_id], secrets[d.subscription_id], now)
            for d in deliveries
        ]

    def _claim_of(
        self,
        delivery: WebhookDelivery,
        subscription: WebhookSubscription,
        secrets: list[str],
        now: datetime,
    ) -> Claim:
        body = envelope(delivery)
        headers = {
            "Content-Type": "application/json",
            "Water-Classroom-Event": delivery.event_type,
            "Water-Classroom-Event-Id": str(delivery.event_id),
            "Water-Classroom-Delivery-Id": str(delivery.id),
            SIGNATURE_HEADER: signature_header(secrets, int(now.timestamp()), body),
        }
        return Claim(
            delivery.id,
            subscription.id,
            subscription.url,
            body,
            headers,
            number=delivery.attempts + 1,
            attempts_left=delivery.attempts_left - 1,
        )

    async def _record(self, outcomes: list[tuple[Claim, AttemptResult]]) -> None:
        """Log the attempts and move each delivery on, in set-based statements (a failure, rarer,
        row by row); mark which subscriptions work (a success in the batch wins)."""
        now = utcnow()
        succeeded = [claim for claim, result in outcomes if result.succeeded]
        failed = [(claim, result) for claim, result in outcomes if not result.succeeded]
        async with self._database.session() as session, session.begin():
            await _without_waiting_for_disk(session)
            # A delivery whose subscription was deleted meanwhile is gone: nothing to record.
            recorded = await self._delivered(session, succeeded, now)
            for claim, result in failed:
                if await self._failed(session, claim, result, now):
                    recorded.add(claim.delivery_id)
            attempts = [
                _attempt_row(claim, result, now)
                for claim, result in outcomes
                if claim.delivery_id in recorded
            ]
            if attempts:
                await session.execute(insert(WebhookAttempt), attempts)
            working = {claim.subscription_id for claim in succeeded}
            failing = {claim.subscription_id for claim, _ in failed} - working
            await _mark_subscriptions(session, working, failing, now)
            for claim, _ in failed:
                if claim.attempts_left <= 0 and claim.delivery_id in recorded:
                    await self._disable_if_failing_too_long(session, claim.subscription_id, now)

    async def _delivered(
        self, session: AsyncSession, claims: list[Claim], now: datetime
    ) -> set[uuid.UUID]:
        if not claims:
            return set()
        rows = await session.scalars(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([claim.delivery_id for claim in claims]))
            .values(
                status=DeliveryStatus.DELIVERED,
                delivered_at=now,
                attempts=WebhookDelivery.attempts + 1,
            )
            .returning(WebhookDelivery.id),
            execution_options={"synchronize_session": False},
        )
        return set(rows)

    async def _failed(
        self, session: AsyncSession, claim: Claim, result: AttemptResult, now: datetime
    ) -> bool:
        """Schedule the next attempt, or dead-letter the delivery; whether it still exists."""
        values: dict[str, object] = {
            "attempts": WebhookDelivery.attempts + 1,
            "attempts_left": claim.attempts_left,
        }
        if claim.attempts_left > 0:
            delay = self._policy.delay_after(claim.number)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        else:
            values["status"] = DeliveryStatus.DEAD
            logger.warning(
                "webhook delivery dead-lettered after %d attempts (last: %s); redeliver it with "
                "POST .../deliveries/%s/redeliver once the receiver works",
                claim.number,
                result.error,
                claim.delivery_id,
            )
        found = await session.scalar(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == claim.delivery_id)
            .values(**values)
            .returning(WebhookDelivery.id),
            execution_options={"synchronize_session": False},
        )
        return found is not None

    async def _disable_if_failing_too_long(
        self, session: AsyncSession, subscription_id: uuid.UUID, now: datetime
    ) -> None:
        subscription = await session.get(
            WebhookSubscription, subscription_id, with_for_update=True, populate_existing=True
        )
        if subscription is None or not subscription.enabled or subscription.failing_since is None:
            return
        failing_for = (now - subscription.failing_since).total_seconds()
        if failing_for < self._policy.disable_after_seconds:
            return
        subscription.enabled = False
        subscription.disabled_reason = (
            f"Every delivery failed for {failing_for / 3600:.1f} hours; a delivery ran out of "
            "attempts."
        )
        logger.warning(
            "webhook subscription disabled",
            extra={"subscription_id": str(subscription.id), "url": subscription.url},
        )
        owner = await session.get(User, subscription.owner_id)
        if owner is not None and owner.is_active:
            await notify(
                session,
                owner,
                DISABLED_KIND,
                "A webhook was disabled",
                f"Deliveries to {subscription.url} kept failing, so the subscription was "
                "disabled. Fix the receiver, enable the subscription again and redeliver what "
                "failed from its delivery log.",
                {"subscription_id": str(subscription.id), "url": subscription.url},
            )


async def _mark_subscriptions(
    session: AsyncSession, working: set[uuid.UUID], failing: set[uuid.UUID], now: datetime
) -> None:
    """A success clears ``failing_since``; a failure starts it unless it already runs."""
    rows = update(WebhookSubscription)
    if working:
        await session.execute(
            rows.where(WebhookSubscription.id.in_(working)).values(failing_since=None)
        )
    if failing:
        await session.execute(
            rows.where(
                WebhookSubscription.id.in_(failing), WebhookSubscription.failing_since.is_(None)
            ).values(failing_since=now)
        )


def _attempt_row(claim: Claim, result: AttemptResult, now: datetime) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "delivery_id": claim.delivery_id,
        "number": claim.number,
        "attempted_at": now,
        "status_code": result.status_code,
        "latency_ms": result.latency_ms,
        "error": result.error,
    }


async def _without_waiting_for_disk(session: AsyncSession) -> None:
    """Commit without waiting for the WAL flush. Losing the last few commits in a database crash
    costs only repeats (a lease or a success forgotten: the delivery goes out again), which
    at-least-once delivery allows; the flush per batch would otherwise bound the dispatch rate."""
    await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
