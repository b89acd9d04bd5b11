"""Malformed and out-of-order frames on the WebSocket hub. Before authentication each closes the
connection with a code that says why; after it, each gets an error frame with a stable code (or
the harmless answer an out-of-order request has), the hub logs no failure, and the same
connection then still subscribes."""

import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.fixtures.app import Api, make_settings, running_api, served_on_loopback
from tests.realtime.hub_client import FRAME_TIMEOUT_SECONDS, HubClient, hub_client

OVERSIZED = json.dumps({"type": "heartbeat", "padding": "x" * 70_000})
TOO_DEEP = "[" * 5_000 + "]" * 5_000
FROM_THE_FUTURE = "99999999999999-0"  # year 5138


@pytest.fixture
async def hub(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[tuple[Api, str]]:
    async for api in running_api(make_settings(database_url_for_test, tmp_path)):
        async with served_on_loopback(api.app) as base_url:
            yield api, base_url.replace("http://", "ws://") + "/api/v1/ws"


async def close_code_after(ws_url: str, first: str | bytes) -> int:
    async with connect(ws_url, open_timeout=30, max_size=None) as socket:
        await socket.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


async def test_before_authentication_a_bad_first_frame_closes_with_its_reason(
    hub: tuple[Api, str],
) -> None:
    _, ws_url = hub
    closes = {
        "binary": await close_code_after(ws_url, b"\x00\x01binary"),
        "oversized": await close_code_after(ws_url, OVERSIZED),
        "not JSON": await close_code_after(ws_url, "{auth"),
        "unknown type": await close_code_after(ws_url, '{"type": "hello"}'),
        "too deep": await close_code_after(ws_url, TOO_DEEP),
        "chat first": await close_code_after(
            ws_url,
            json.dumps(
                {
                    "type": "chat.send",
                    "request_id": "1",
                    "class_id": str(uuid.uuid4()),
                    "text": "hi",
                }
            ),
        ),
    }
    assert closes == {
        "binary": 1003,
        "oversized": 1009,
        "not JSON": 1008,
        "unknown type": 1008,
        "too deep": 1008,
        "chat first": 1008,
    }


async def reply_to(client: HubClient, raw: str | bytes) -> dict[str, Any]:
    await client.socket.send(raw)
    return await client.next_frame(FRAME_TIMEOUT_SECONDS)


def frame(**fields: Any) -> str:
    return json.dumps(fields)


async def test_after_authentication_bad_frames_get_error_codes_and_the_socket_stays_usable(
    hub: tuple[Api, str], caplog: pytest.LogCaptureFixture
) -> None:
    api, ws_url = hub
    teacher, learner, other = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("student"),
    )
    created = await api.client.post(
        "/api/v1/classes", json={"name": "Ponds"}, headers=teacher.headers
    )
    class_id = created.json()["id"]
    own = f"user:{learner.id}"
    malformed: dict[str, str | bytes] = {
        "not JSON": "{type: subscribe}",
        "a JSON array": "[]",
        "a JSON number": "42",
        "JSON null": "null",
        "no type": "{}",
        "unknown type": frame(type="presence.set"),
        "channel of the wrong type": frame(type="subscribe", channel=5),
        "channel not a channel": frame(type="subscribe", channel="class:not-a-uuid"),
        "trailing garbage": frame(type="heartbeat") + "}",
        "nested too deep": TOO_DEEP,
        "resume id not an id": frame(type="subscribe", channel=own, last_event_id="yesterday"),
        "resume id from the future": frame(
            type="subscribe", channel=own, last_event_id=FROM_THE_FUTURE
        ),
        "binary": b"\x89PNG\r\n",
        "oversized": OVERSIZED,
    }
    caplog.set_level(logging.WARNING, logger="platform_api")
    async with hub_client(ws_url, learner.access_token) as client:
        replies = {name: await reply_to(client, raw) for name, raw in malformed.items()}
        with_request = await reply_to(
            client, frame(type="chat.send", request_id="r1", class_id="nope", text="hi")
        )
        refused = {
            "someone else's channel": await reply_to(
                client, frame(type="subscribe", channel=f"user:{other.id}")
            ),
            "a class not theirs": await reply_to(
                client, frame(type="chat.send", request_id="r2", class_id=class_id, text="hi")
            ),
            "a token that is not one": await reply_to(client, frame(type="auth", token="x.y.z")),
        }
        out_of_order = {
            "unsubscribe first": await reply_to(client, frame(type="unsubscribe", channel=own)),
            "cancel nothing": await reply_to(client, frame(type="tutor.cancel", request_id="q")),
        }
        await client.send({"type": "heartbeat"})  # before any class: nothing to answer
        still_usable = await client.subscribe(own, last_event_id="0-0")

    assert {name: reply["code"] for name, reply in replies.items()} == {
        name: "validation_error" for name in malformed if name not in ("binary", "oversized")
    } | {"binary": "unsupported_frame", "oversized": "frame_too_large"}
    assert replies["resume id from the future"]["details"] == {
        "field": "last_event_id",
        "channel": own,
    }
    assert (with_request["code"], with_request["request_id"]) == ("validation_error", "r1")
    assert {name: reply["code"] for name, reply in refused.items()} == {
        "someone else's channel": "forbidden",
        "a class not theirs": "forbidden",
        "a token that is not one": "invalid_token",
    }
    assert out_of_order["unsubscribe first"] == {"type": "unsubscribed", "channel": own}
    assert out_of_order["cancel nothing"] == {"type": "tutor.cancelled", "request_id": "q"}
    assert (still_usable["type"], still_usable["channel"]) == ("subscribed", own)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
