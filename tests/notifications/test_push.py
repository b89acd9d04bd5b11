"""Web Push end to end: a browser's subscription, pywebpush's encrypted request to a push service
on loopback, which checks the VAPID signature and decrypts the message with the browser's key."""

import asyncio
import base64
import json
import os
import time
import uuid

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from platform_api.notifications.models import PushSubscription
from tests.fixtures.app import Account, Api
from tests.fixtures.postgres import free_port
from tests.notifications.conftest import PushService
from tests.notifications.helpers import tell

PUSH = "/api/v1/notifications/push"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """What a browser keeps for one subscription: its ECDH key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict[str, object]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, str]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        decoded: dict[str, str] = json.loads(plain)
        return decoded


def path_of(browser: Browser, service: PushService) -> str:
    return browser.endpoint.removeprefix(service.base_url)


async def subscribe(api: Api, account: Account, browser: Browser) -> None:
    response = await api.client.post(
        f"{PUSH}/subscriptions", headers=account.headers, json=browser.subscription()
    )
    assert response.status_code == 204, response.text


def check_vapid(authorization: str, application_server_key: str, audience: str) -> None:
    """RFC 8292: ``vapid t=<JWT signed ES256>, k=<the key the browser subscribed with>``."""
    scheme, _, parameters = authorization.partition(" ")
    values = dict(part.strip().split("=", 1) for part in parameters.split(","))
    assert scheme == "vapid" and values["k"] == application_server_key
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(values["k"])
    )
    claims = jwt.decode(values["t"], public, algorithms=["ES256"], audience=audience)
    assert claims["sub"].startswith("mailto:") and claims["exp"] > time.time()


async def test_push_reaches_the_browser_and_decrypts_to_the_notification(
    notifying_api: Api, push_service: PushService
) -> None:
    api = notifying_api
    student = await api.account("student")
    browser = Browser(f"{push_service.base_url}/push/{uuid.uuid4()}")
    gone = Browser(f"{push_service.base_url}/gone/{uuid.uuid4()}")
    flaky = Browser(f"{push_service.base_url}/flaky/{uuid.uuid4()}")
    # A name (accepted when subscribing) that resolves to loopback when the push is sent.
    rebound = Browser(f"https://localhost:{free_port()}/push/{uuid.uuid4()}")
    for each in (browser, gone, flaky, rebound):
        await subscribe(api, student, each)
    key = (await api.client.get(f"{PUSH}/public-key")).json()["public_key"]

    await tell(api, student, "Essay due")
    [received] = await push_service.wait_for(path_of(browser, push_service))

    check_vapid(received.headers["Authorization"], key, push_service.base_url)
    assert received.headers["Content-Encoding"] == "aes128gcm"
    message = browser.decrypt(received.body)
    assert message["title"] == "Essay due" and message["body"] == "About Essay due."
    assert message["kind"] == "assignment.due_soon"
    assert message["url"] == "http://testserver/inbox"

    # A 503 is retried by the bus (with back-off) until the service takes the push.
    _, retried = await push_service.wait_for(path_of(flaky, push_service), 2)
    assert flaky.decrypt(retried.body)["title"] == "Essay due"

    # The service answered 410 for one browser, the other's name resolved to a loopback address:
    # both subscriptions are gone.
    deadline = time.monotonic() + 10
    while sorted(await _endpoints(api, student)) != sorted([browser.endpoint, flaky.endpoint]):
        assert time.monotonic() < deadline, await _endpoints(api, student)
        await asyncio.sleep(0.02)


async def _endpoints(api: Api, account: Account) -> list[str]:
    async with api.stores.database.session() as session:
        rows = await session.scalars(
            select(PushSubscription.endpoint).filter_by(user_id=account.id)
        )
        return list(rows)


async def test_bad_subscriptions_are_refused_and_nothing_is_stored(
    notifying_api: Api, push_service: PushService
) -> None:
    api = notifying_api
    teacher = await api.account("teacher")
    good = Browser(f"{push_service.base_url}/push/{uuid.uuid4()}").subscription()
    keys = good["keys"]
    assert isinstance(keys, dict)
    cases = {
        "http://push.example.com/x": ("invalid_push_subscription", keys),
        "https://10.1.2.3/x": ("invalid_push_subscription", keys),
        "ftp://push.example.com/x": ("validation_error", keys),
        "https://push.example.com/off-curve": (
            "invalid_push_subscription",
            {**keys, "p256dh": b64url(b"\x04" + b"\x01" * 64)},
        ),
        "https://push.example.com/short-auth": (
            "validation_error",
            {**keys, "auth": "c2hvcnQ"},
        ),
    }
    for endpoint, (code, case_keys) in cases.items():
        response = await api.client.post(
            f"{PUSH}/subscriptions",
            headers=teacher.headers,
            json={"endpoint": endpoint, "keys": case_keys},
        )
        assert response.status_code == 422, endpoint
        assert response.json()["error"]["code"] == code, endpoint
    assert await _endpoints(api, teacher) == []

    await api.client.post(f"{PUSH}/subscriptions", headers=teacher.headers, json=good)
    params = {"endpoint": str(good["endpoint"])}
    removed = await api.client.delete(
        f"{PUSH}/subscriptions", headers=teacher.headers, params=params
    )
    assert removed.status_code == 204
    again = await api.client.delete(f"{PUSH}/subscriptions", headers=teacher.headers, params=params)
    assert again.status_code == 404
