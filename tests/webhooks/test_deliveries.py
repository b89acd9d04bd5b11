"""Webhook deliveries end to end: events from the outbox reach a receiver on loopback, signed,
retried until acknowledged once, dead-lettered, and their subscription disabled."""

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import jsonschema
from sqlalchemy import func, select, update

from core.curriculum.models import Course
from core.infra.bus import Event
from core.infra.database import utcnow
from core.infra.outbox import add_event
from platform_api.notifications.models import Notification
from platform_api.webhooks.catalogue import EVENT_TYPES, SUBSCRIBABLE
from platform_api.webhooks.dispatcher import DISABLED_KIND, RetryPolicy, WebhookDispatcher
from platform_api.webhooks.fanout import queue_deliveries
from platform_api.webhooks.models import WebhookDelivery
from platform_api.webhooks.retention import purge_delivery_log
from platform_api.webhooks.runtime import Webhooks
from platform_api.webhooks.sender import WebhookSender
from platform_api.webhooks.targets import parse_networks
from tests.assessments.factory import teaching_course
from tests.fixtures.app import Account, Api
from tests.fixtures.webhook_receiver import Receiver, verified
from tests.grading.factories import MULTIPLE_CHOICE, Answer, make_classroom, submitted_sitting
from tests.infra.bus_support import eventually
from tests.webhooks.samples import sample_payloads

SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions"


async def subscribe(api: Api, owner: Account, url: str, event_types: list[str]) -> dict[str, Any]:
    created = await api.client.post(
        SUBSCRIPTIONS, headers=owner.headers, json={"url": url, "event_types": event_types}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def publish(api: Api, event_type: str, payload: dict[str, Any]) -> uuid.UUID:
    async with api.stores.database.session() as session:
        row = add_event(session, event_type, payload)
        await session.commit()
    return row.id


async def deliveries(api: Api, owner: Account, subscription_id: str) -> list[dict[str, Any]]:
    page = await api.client.get(
        f"{SUBSCRIPTIONS}/{subscription_id}/deliveries", headers=owner.headers
    )
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def test_every_event_type_arrives_signed_with_its_versioned_schema(
    webhook_api: Api, receiver: Receiver
) -> None:
    admin = await webhook_api.account("admin")
    subscription = await subscribe(webhook_api, admin, receiver.url("all"), SUBSCRIBABLE)
    sent = {
        event_type: await publish(webhook_api, event_type, payload)
        for event_type, payload in sample_payloads(uuid.uuid4()).items()
    }
    received = await receiver.wait_for("all", len(sent))

    schemas = {
        kind["name"]: kind["payload_schema"]
        for kind in (
            await webhook_api.client.get("/api/v1/webhooks/event-types", headers=admin.headers)
        ).json()
    }
    for request in received:
        assert verified(subscription["secret"], request)
        document = json.loads(request.body)
        assert sent[document["type"]] == uuid.UUID(document["id"])
        assert request.headers["water-classroom-event-id"] == document["id"]
        jsonschema.validate(document["data"], schemas[document["type"]])
        assert document["data"]["schema_version"] == 1
    by_type = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in received}
    assert sorted(by_type) == sorted(sent)
    # What the platform keeps for itself never leaves it.
    assert "webhook_url" not in by_type["content.job.finished"]
    assert "biometrics" not in by_type["user.erased"]
    assert not verified("whsec_another", received[0])


async def test_a_graded_sitting_reaches_the_course_owners_webhook_only(
    webhook_api: Api, receiver: Receiver
) -> None:
    school, other_school = (
        await webhook_api.account("teacher"),
        await webhook_api.account("teacher"),
    )
    learner = await webhook_api.account("student")
    await teaching_course(webhook_api, other_school, mc_items=1)  # owns a curriculum of its own
    async with webhook_api.stores.database.session() as session:
        room = await make_classroom(session, school.id, learner.id)
        await session.execute(
            update(Course).where(Course.id == room.course_id).values(owner_id=school.id)
        )
        await session.commit()
    await subscribe(webhook_api, school, receiver.url("school"), ["assessment.graded"])
    await subscribe(webhook_api, other_school, receiver.url("other"), ["assessment.graded"])

    record = await submitted_sitting(
        webhook_api.stores.database, room, [Answer(MULTIPLE_CHOICE, "(B)")]
    )
    [request] = await receiver.wait_for("school", 1)
    data = json.loads(request.body)["data"]
    assert (data["sitting_id"], data["score"], data["max_score"]) == (
        str(record.sitting_id),
        1.0,
        1.0,
    )
    assert receiver.at("other") == []


async def test_a_receiver_failing_three_times_acknowledges_the_event_once(
    webhook_api: Api, receiver: Receiver
) -> None:
    admin = await webhook_api.account("admin")
    receiver.scripts["flaky"] = [500, 503, 502]
    subscription = await subscribe(webhook_api, admin, receiver.url("flaky"), ["user.erased"])
    event_id = await publish(webhook_api, "user.erased", {"user_id": str(uuid.uuid4())})

    received = await receiver.wait_for("flaky", 4)
    assert [request.answered for request in received] == [500, 503, 502, 200]
    assert {request.headers["water-classroom-event-id"] for request in received} == {str(event_id)}
    # The bus delivering the same event again (a relay crash after publishing) adds nothing.
    await webhook_api.stores.bus.publish(
        Event(id=event_id, type="user.erased", payload={"user_id": str(uuid.uuid4())})
    )
    [delivery] = await deliveries(webhook_api, admin, subscription["id"])
    detail = (
        await webhook_api.client.get(
            f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries/{delivery['id']}",
            headers=admin.headers,
        )
    ).json()
    assert detail["status"] == "delivered"
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [
        (1, 500),
        (2, 503),
        (3, 502),
        (4, 200),
    ]
    assert all(a["latency_ms"] > 0 for a in detail["attempt_log"])
    assert len(receiver.at("flaky")) == 4
    acknowledged = [r for r in receiver.at("flaky") if r.answered == 200]
    assert len(acknowledged) == 1

    # The log keeps finished deliveries for the retention period, then they go.
    database = webhook_api.stores.database
    assert await purge_delivery_log(database, retention_days=30) == 0
    async with database.session() as session:
        await session.execute(
            update(WebhookDelivery).values(created_at=utcnow() - timedelta(days=31))
        )
        await session.commit()
    assert await purge_delivery_log(database, retention_days=30) == 1
    assert await deliveries(webhook_api, admin, subscription["id"]) == []


async def test_an_always_failing_receiver_is_disabled_its_owner_told_and_nothing_lost(
    webhook_api: Api, receiver: Receiver
) -> None:
    admin = await webhook_api.account("admin")
    receiver.scripts["down"] = [500] * 4
    subscription = await subscribe(webhook_api, admin, receiver.url("down"), ["badge.awarded"])
    badge = sample_payloads(uuid.uuid4())["badge.awarded"]
    await publish(webhook_api, "badge.awarded", badge)
    path = f"{SUBSCRIPTIONS}/{subscription['id']}"

    async def disabled() -> bool:
        shown = (await webhook_api.client.get(path, headers=admin.headers)).json()
        return shown["enabled"] is False

    await eventually(disabled)
    [dead] = await deliveries(webhook_api, admin, subscription["id"])
    assert (dead["status"], dead["attempts"], dead["last_attempt"]["status_code"]) == (
        "dead",
        4,
        500,
    )
    async with webhook_api.stores.database.session() as session:
        told = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_id == admin.id, Notification.kind == DISABLED_KIND)
        )
    assert told == 1

    # While disabled, events wait; enabled again, they go out; the dead one on request.
    await publish(webhook_api, "badge.awarded", badge)
    await eventually(lambda: _count_pending(webhook_api))
    assert len(receiver.at("down")) == 4
    enabled = await webhook_api.client.patch(path, headers=admin.headers, json={"enabled": True})
    assert enabled.json()["enabled"] is True and enabled.json()["disabled_reason"] is None
    await receiver.wait_for("down", 5)
    again = await webhook_api.client.post(
        f"{path}/deliveries/{dead['id']}/redeliver", headers=admin.headers
    )
    assert again.status_code == 202, again.text
    received = await receiver.wait_for("down", 6)
    assert received[-1].headers["water-classroom-delivery-id"] == dead["id"]

    async def all_delivered() -> bool:
        shown = await deliveries(webhook_api, admin, subscription["id"])
        return {delivery["status"] for delivery in shown} == {"delivered"}

    await eventually(all_delivered)


async def _count_pending(api: Api) -> bool:
    async with api.stores.database.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
        )
    return bool(pending)


def test_every_subscribable_event_type_has_a_schema() -> None:
    for name in SUBSCRIBABLE:
        schema = EVENT_TYPES[name].schema()
        assert "schema_version" in schema["properties"], name


async def test_two_dispatchers_share_the_queue_without_sending_anything_twice(
    webhook_api: Api, receiver: Receiver
) -> None:
    """Two processes' dispatchers on one database (here: two in one process) drain 120 queued
    deliveries; SKIP LOCKED and the lease keep each delivery to one of them."""
    admin = await webhook_api.account("admin")
    subscription = await subscribe(webhook_api, admin, receiver.url("shared"), ["user.erased"])
    runtime: Webhooks = webhook_api.app.state.webhooks
    await runtime.dispatcher.stop()  # the app's own dispatcher stays out of the count
    database = webhook_api.stores.database
    async with database.session() as session:
        for _ in range(120):
            event = Event(type="user.erased", payload={})
            data = {"schema_version": 1, "user_id": str(uuid.uuid4())}
            await queue_deliveries(session, [uuid.UUID(subscription["id"])], event, data, 3)
        await session.commit()
    senders = [WebhookSender(parse_networks(["127.0.0.1/32"]), 5.0, 8) for _ in range(2)]
    policy = RetryPolicy(3, 0.05, 0.2, 0, 5.0)
    dispatchers = [
        WebhookDispatcher(database, sender, runtime.box, policy, concurrency=8, poll_seconds=1)
        for sender in senders
    ]
    try:
        sent = await asyncio.gather(*(dispatcher.drain() for dispatcher in dispatchers))
    finally:
        for sender in senders:
            await sender.close()
    assert sum(sent) == 120 and all(count > 0 for count in sent)
    ids = [request.headers["water-classroom-delivery-id"] for request in receiver.at("shared")]
    assert len(ids) == len(set(ids)) == 120
