"""Webhook subscriptions: who may have one, which URLs are refused (SSRF), secret rotation, and
the check on the address actually connected to."""

import json
import time
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from platform_api.webhooks.models import WebhookSubscription
from platform_api.webhooks.signing import SIGNATURE_HEADER, signature_header, verify
from tests.assessments.factory import teaching_course
from tests.fixtures.app import Account, Api, make_settings, running_api
from tests.fixtures.webhook_receiver import Receiver
from tests.infra.bus_support import eventually
from tests.webhooks.conftest import FAST_RETRIES
from tests.webhooks.test_deliveries import SUBSCRIPTIONS, deliveries, subscribe

REFUSED_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/hook",
    "http://192.168.1.20:8080/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",
    "http://127.0.0.2/hook",  # loopback, but not the allow-listed 127.0.0.1/32
    "http://[::1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://0.0.0.0/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
]


async def _count(api: Api) -> int:
    async with api.stores.database.session() as session:
        return await session.scalar(select(func.count()).select_from(WebhookSubscription)) or 0


async def test_private_loopback_and_metadata_targets_are_refused_and_nothing_stored(
    webhook_api: Api,
) -> None:
    admin = await webhook_api.account("admin")
    for url in REFUSED_URLS:
        refused = await webhook_api.client.post(
            SUBSCRIPTIONS, headers=admin.headers, json={"url": url, "event_types": ["user.erased"]}
        )
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["code"] == "webhook_url_refused", url
    for url in ("ftp://127.0.0.1/hook", "http://user:secret@127.0.0.1/hook", "not a url"):
        refused = await webhook_api.client.post(
            SUBSCRIPTIONS, headers=admin.headers, json={"url": url, "event_types": ["user.erased"]}
        )
        assert refused.status_code == 422, (url, refused.text)
    assert await _count(webhook_api) == 0


async def test_bad_input_and_roles_get_clear_errors(webhook_api: Api, receiver: Receiver) -> None:
    admin, teacher = await webhook_api.account("admin"), await webhook_api.account("teacher")
    student = await webhook_api.account("student")
    url = receiver.url("x")
    cases = [
        (admin, {"url": url, "event_types": ["no.such.event"]}, 422, "validation_error"),
        (admin, {"url": url, "event_types": []}, 422, "validation_error"),
        (admin, {"url": url, "event_types": ["webhook.ping"]}, 422, "validation_error"),
        (
            admin,
            {"url": url, "event_types": ["user.erased"], "description": "x" * 301},
            422,
            "validation_error",
        ),
        (
            admin,
            {"url": url + "/" + "a" * 2000, "event_types": ["user.erased"]},
            422,
            "validation_error",
        ),
        (student, {"url": url, "event_types": ["assessment.graded"]}, 403, "forbidden"),
        (teacher, {"url": url, "event_types": ["assessment.graded"]}, 403, "not_a_school"),
    ]
    for account, body, status, code in cases:
        answer = await webhook_api.client.post(SUBSCRIPTIONS, headers=account.headers, json=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    await teaching_course(webhook_api, teacher, mc_items=1)  # now the teacher is a school
    refused = await webhook_api.client.post(
        SUBSCRIPTIONS, headers=teacher.headers, json={"url": url, "event_types": ["model.promoted"]}
    )
    assert refused.json()["error"]["code"] == "platform_event_refused"
    assert await _count(webhook_api) == 0
    own = await subscribe(webhook_api, teacher, url, ["assessment.graded"])
    other_teacher = await webhook_api.account("teacher")
    hidden = await webhook_api.client.get(
        f"{SUBSCRIPTIONS}/{own['id']}", headers=other_teacher.headers
    )
    assert hidden.status_code == 404
    seen_by_admin = await webhook_api.client.get(
        f"{SUBSCRIPTIONS}/{own['id']}", headers=admin.headers
    )
    assert seen_by_admin.status_code == 200 and "secret" not in seen_by_admin.json()
    moved = await webhook_api.client.patch(
        f"{SUBSCRIPTIONS}/{own['id']}", headers=teacher.headers, json={"url": "http://10.1.1.1/"}
    )
    assert moved.json()["error"]["code"] == "webhook_url_refused"
    shown = await webhook_api.client.get(f"{SUBSCRIPTIONS}/{own['id']}", headers=teacher.headers)
    assert shown.json()["url"] == url


async def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(
    webhook_api: Api, receiver: Receiver
) -> None:
    admin = await webhook_api.account("admin")
    subscription = await subscribe(webhook_api, admin, receiver.url("rotating"), ["user.erased"])
    path = f"{SUBSCRIPTIONS}/{subscription['id']}"
    old = subscription["secret"]
    rotated = await webhook_api.client.post(f"{path}/rotate-secret", headers=admin.headers, json={})
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["previous_secret_expires_at"] is not None
    await webhook_api.client.post(f"{path}/ping", headers=admin.headers)
    [during] = await receiver.wait_for("rotating", 1)
    header = during.headers[SIGNATURE_HEADER.lower()]
    assert header.count("v1=") == 2
    assert verify(old, header, during.body) and verify(new, header, during.body)

    ended = await webhook_api.client.post(
        f"{path}/rotate-secret", headers=admin.headers, json={"overlap_seconds": 0}
    )
    newest = ended.json()["secret"]
    await webhook_api.client.post(f"{path}/ping", headers=admin.headers)
    after = (await receiver.wait_for("rotating", 2))[1]
    header = after.headers[SIGNATURE_HEADER.lower()]
    assert verify(newest, header, after.body) and not verify(new, header, after.body)
    assert json.loads(after.body)["data"]["subscription_id"] == subscription["id"]
    too_long = await webhook_api.client.post(
        f"{path}/rotate-secret", headers=admin.headers, json={"overlap_seconds": 10**9}
    )
    assert too_long.status_code == 422
    audit = await webhook_api.client.get(
        "/api/v1/audit/events", params={"target_id": subscription["id"]}, headers=admin.headers
    )
    [created] = audit.json()["items"]  # an admin's subscription is in the audit log
    assert (created["action"], created["actor_id"]) == (
        "webhook.subscription_created",
        str(admin.id),
    )


def test_a_signature_outside_the_replay_window_or_of_another_body_fails() -> None:
    body, now = b'{"id":"1"}', int(time.time())
    header = signature_header(["whsec_a"], now, body)
    assert verify("whsec_a", header, body)
    assert not verify("whsec_a", header, body + b" ")
    assert not verify("whsec_a", header, body, now=now + 301)
    assert not verify("whsec_a", signature_header(["whsec_a"], now - 600, body), body)
    assert not verify("whsec_a", "v1=abc", body)


async def first_delivery_is(api: Api, owner: Account, subscription_id: str, status: str) -> bool:
    items = await deliveries(api, owner, subscription_id)
    return bool(items) and items[0]["status"] == status


async def test_the_address_is_checked_when_connecting_not_only_when_saved(
    database_url_for_test: str, tmp_path: Path, receiver: Receiver
) -> None:
    """Saved while the loopback receiver was allowed; the platform restarted without that
    allow-list: every attempt is refused before connecting, as a name rebound to a private
    address after it was saved would be."""
    async for api in running_api(make_settings(database_url_for_test, tmp_path, **FAST_RETRIES)):
        admin = await api.account("admin")
        subscription = await subscribe(api, admin, receiver.url("rebound"), ["user.erased"])
    narrowed = {**FAST_RETRIES, "webhook_allowed_networks": []}
    async for api in running_api(make_settings(database_url_for_test, tmp_path, **narrowed)):
        pinged = await api.client.post(
            f"{SUBSCRIPTIONS}/{subscription['id']}/ping", headers=admin.headers
        )
        assert pinged.status_code == 202, pinged.text

        await eventually(partial(first_delivery_is, api, admin, subscription["id"], "dead"))
        [delivery] = await deliveries(api, admin, subscription["id"])
        assert delivery["attempts"] == FAST_RETRIES["webhook_max_attempts"]
        assert delivery["last_attempt"]["status_code"] is None
        assert "loopback" in delivery["last_attempt"]["error"]
    assert receiver.at("rebound") == []
