"""Two API processes on one Redis behave as one hub: chat, presence, back-pressure, resume."""

import asyncio
import itertools
import os
import signal
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from core.infra.database import Database
from platform_api.assessments.events import ASSESSMENT_GRADED, AssessmentGraded, record
from platform_api.notifications.dispatcher import request_notification
from platform_api.realtime.event_ids import EventId
from tests.realtime.conftest import PRESENCE_TTL_SECONDS, SEND_QUEUE_FRAMES, LiveApi, People
from tests.realtime.hub_client import HubClient, hub_client, stalled_client

SUBSCRIBERS = 200
SLOW_TEST_MESSAGES = 200


async def post(api: LiveApi, person_headers: dict[str, str], class_id: str, text: str) -> Any:
    async with api.client() as client:
        return await client.post(
            f"/api/v1/classes/{class_id}/messages", json={"text": text}, headers=person_headers
        )


async def test_a_message_posted_on_one_process_reaches_200_subscribers_on_the_other(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    a, b = two_apis
    members = itertools.cycle((people.teacher, *people.learners))
    async with AsyncExitStack() as stack:
        clients: list[HubClient] = list(
            await asyncio.gather(
                *(
                    stack.enter_async_context(hub_client(b.ws_url, next(members).access_token))
                    for _ in range(SUBSCRIBERS)
                )
            )
        )
        await asyncio.gather(*(c.subscribe(f"class:{class_id}") for c in clients))

        posted = await post(a, people.learners[0].headers, class_id, "Who has the rain gauge?")
        assert posted.status_code == 201, posted.text
        received = await asyncio.gather(*(c.next_of("chat.message") for c in clients))

    message = posted.json()
    assert len(received) == SUBSCRIBERS
    for frame in received:
        assert frame["event_id"] == message["event_id"]
        assert frame["channel"] == f"class:{class_id}"
        assert frame["message"]["text"] == "Who has the rain gauge?"
        assert frame["message"]["author_id"] == people.learners[0].id


async def test_presence_expires_after_the_ttl(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    a, b = two_apis
    channel = f"class:{class_id}"
    quiet, watcher = people.learners[0], people.learners[1]
    async with hub_client(b.ws_url, watcher.access_token) as watching:
        await watching.subscribe(channel)
        beating = asyncio.create_task(heartbeats(watching, PRESENCE_TTL_SECONDS / 3))
        try:
            async with hub_client(a.ws_url, quiet.access_token) as silent:
                joined = await silent.subscribe(channel)  # and never beats
                assert {m["user_id"] for m in joined["online"]} == {quiet.id, watcher.id}
                came = await watching.next_of("presence", user_id=quiet.id)
                assert came["online"] is True and came["display_name"] == "A student"
                started = time.monotonic()

                went = await watching.next_of("presence", timeout=5, user_id=quiet.id)
                waited = time.monotonic() - started
                assert went["online"] is False
                assert EventId.parse(went["event_id"]) > EventId.parse(came["event_id"])
                assert PRESENCE_TTL_SECONDS * 0.5 < waited < PRESENCE_TTL_SECONDS * 3
        finally:
            beating.cancel()
        async with hub_client(a.ws_url, people.teacher.access_token) as teacher:
            joined = await teacher.subscribe(channel)
    assert {m["user_id"] for m in joined["online"]} == {watcher.id, people.teacher.id}


async def heartbeats(client: HubClient, period: float) -> None:
    while True:
        await client.send({"type": "heartbeat"})
        await asyncio.sleep(period)


async def test_a_client_that_does_not_read_is_closed_without_stalling_the_others(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    a, b = two_apis
    channel = f"class:{class_id}"
    text = "Drops of rain gather in the clouds above the hills. " * 36  # ~1,900 characters
    async with (
        stalled_client(b.ws_url, people.learners[0].access_token, channel) as slow,
        hub_client(b.ws_url, people.learners[1].access_token) as fast,
        hub_client(a.ws_url, people.learners[2].access_token) as elsewhere,
        hub_client(a.ws_url, people.teacher.access_token) as poster,
    ):
        for client in (fast, elsewhere):
            await client.subscribe(channel)
        posted_at: dict[str, float] = {}
        readers = [asyncio.create_task(arrivals(c, SLOW_TEST_MESSAGES)) for c in (fast, elsewhere)]
        for n in range(SLOW_TEST_MESSAGES):
            await poster.send(
                {"type": "chat.send", "request_id": str(n), "class_id": class_id, "text": text}
            )
            sent = await poster.next_of("chat.sent", request_id=str(n))
            posted_at[sent["message"]["id"]] = time.monotonic()
        received = await asyncio.gather(*readers)

        # Every message reached the clients that read, each soon after it was posted.
        for arrived in received:
            assert set(arrived) == set(posted_at)
            lag = max(arrived[m] - posted_at[m] for m in posted_at)
            assert lag < 2.0, f"a reader waited {lag:.2f} s for a message"
        # The one that never read was closed with a reason once it fell behind.
        code, reason = await slow.drain()
    assert (code, reason.startswith("Too slow")) == (1013, True)
    assert 0 < sum(frame["type"] == "chat.message" for frame in slow.texts) < SLOW_TEST_MESSAGES


async def test_a_process_that_stalls_a_moment_keeps_its_readers(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    """A process stopped for a moment (a busy CPU, a pause) takes the frames the bus held for it
    in one burst, longer than a client's queue, before its writers run; its readers stay."""
    a, b = two_apis
    burst = SEND_QUEUE_FRAMES + SEND_QUEUE_FRAMES // 4
    async with hub_client(b.ws_url, people.learners[1].access_token) as reader:
        await reader.subscribe(f"class:{class_id}")
        os.kill(b.pid, signal.SIGSTOP)
        try:
            posted = [
                await post(a, people.teacher.headers, class_id, f"Step {n} of the rain gauge.")
                for n in range(burst)
            ]
        finally:
            os.kill(b.pid, signal.SIGCONT)
        assert all(response.status_code == 201 for response in posted)
        received = [await reader.next_of("chat.message") for _ in range(burst)]
    assert [frame["message"]["text"] for frame in received] == [
        f"Step {n} of the rain gauge." for n in range(burst)
    ]


async def arrivals(client: HubClient, count: int) -> dict[str, float]:
    """When each of the next ``count`` chat messages arrived (by message id)."""
    arrived: dict[str, float] = {}
    while len(arrived) < count:
        frame = await client.next_of("chat.message")
        arrived[frame["message"]["id"]] = time.monotonic()
    return arrived


async def test_oversized_blocked_and_stranger_messages_are_refused_and_not_stored(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    a, b = two_apis
    learner, outsider = people.learners[0], people.outsider
    oversized = "a" * 2001
    blocked = "I want to hurt myself tonight"

    too_long = await post(a, learner.headers, class_id, oversized)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "validation_error"
    screened = await post(a, learner.headers, class_id, blocked)
    assert screened.status_code == 422
    assert screened.json()["error"]["code"] == "message_blocked"
    assert screened.json()["error"]["details"] == {"category": "self_harm"}
    stranger = await post(b, outsider.headers, class_id, "Let me in")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "forbidden")
    nowhere = await post(b, learner.headers, str(uuid.uuid4()), "Hello?")
    assert nowhere.status_code == 404

    async with hub_client(b.ws_url, learner.access_token) as member:
        for request_id, text in (("long", oversized), ("harm", blocked)):
            await member.send(
                {"type": "chat.send", "request_id": request_id, "class_id": class_id, "text": text}
            )
            error = await member.next_of("error", request_id=request_id)
            assert error["code"] == (
                "validation_error" if request_id == "long" else "message_blocked"
            )
        assert "at most 2000 characters" in member.seen[0]["message"]
        await member.send({"type": "subscribe", "channel": f"user:{outsider.id}"})
        assert (await member.next_of("error"))["code"] == "forbidden"
    async with hub_client(a.ws_url, outsider.access_token) as intruder:
        await intruder.send({"type": "subscribe", "channel": f"class:{class_id}"})
        assert (await intruder.next_of("error"))["code"] == "forbidden"
        await intruder.send(
            {"type": "chat.send", "request_id": "x", "class_id": class_id, "text": "Hi all"}
        )
        assert (await intruder.next_of("error", request_id="x"))["code"] == "forbidden"

    async with a.client() as client:
        history = await client.get(f"/api/v1/classes/{class_id}/messages", headers=learner.headers)
        refused = await client.get(f"/api/v1/classes/{class_id}/messages", headers=outsider.headers)
    assert (history.status_code, history.json()["total"], history.json()["items"]) == (200, 0, [])
    assert refused.status_code == 403


async def test_a_client_resuming_from_its_last_event_id_gets_what_it_missed(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    a, b = two_apis
    channel = f"class:{class_id}"
    learner = people.learners[0]
    async with hub_client(a.ws_url, learner.access_token) as before:
        await before.subscribe(channel)
        await post(b, people.teacher.headers, class_id, "Read page 12")
        last_seen = (await before.next_of("chat.message"))["event_id"]
    missed = [
        (await post(b, people.teacher.headers, class_id, text)).json()
        for text in ("Then page 13", "Quiz on Friday")
    ]

    async with hub_client(b.ws_url, learner.access_token) as after:
        resumed = await after.subscribe(channel, last_event_id=last_seen)
        # Presence changes since then (its own leaving and coming back) are among the missed.
        replayed = [await after.next_frame() for _ in range(resumed["missed"])]
        live = await post(a, people.teacher.headers, class_id, "Bring a pencil")
        assert (await after.next_of("chat.message"))["event_id"] == live.json()["event_id"]

    assert resumed["complete"] is True
    ids = [EventId.parse(frame["event_id"]) for frame in replayed]
    assert ids == sorted(ids) and ids[0] > EventId.parse(last_seen)
    chats = [frame for frame in replayed if frame["type"] == "chat.message"]
    assert [f["event_id"] for f in chats] == [m["event_id"] for m in missed]
    assert [f["message"]["text"] for f in chats] == ["Then page 13", "Quiz on Friday"]


async def test_grades_and_notifications_are_pushed_to_their_user_on_any_process(
    two_apis: tuple[LiveApi, LiveApi], people: People, class_id: str
) -> None:
    """Outbox events, whichever process relays them, reach the user's connections."""
    learner = people.learners[1]
    graded = AssessmentGraded(
        sitting_id=uuid.uuid4(),
        assignment_id=uuid.uuid4(),
        assignment_title="Water cycle quiz",
        learner_id=uuid.UUID(learner.id),
        course_id=uuid.uuid4(),
        class_id=uuid.UUID(class_id),
        score=8,
        max_score=10,
        graded_at=datetime.now(UTC),
    )
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(hub_client(api.ws_url, learner.access_token))
            for api in two_apis
        ]
        for client in clients:
            await client.subscribe(f"user:{learner.id}")
        database = Database(two_apis[0].database_url, pool_size=1)
        async with database.session() as session, session.begin():
            record(session, ASSESSMENT_GRADED, graded)
            request_notification(
                session,
                "tutor.flagged_turn",
                learner.email,
                {"title": "Your teacher replied", "body": "See the tutor page."},
                uuid.UUID(learner.id),
            )
        await database.close()
        pushed = [
            (await c.next_of("grade.released"), await c.next_of("notification")) for c in clients
        ]

    for grade, notification in pushed:
        assert grade["channel"] == f"user:{learner.id}"
        assert (grade["sitting_id"], grade["score"], grade["max_score"]) == (
            str(graded.sitting_id),
            8,
            10,
        )
        assert notification["title"] == "Your teacher replied"
    assert pushed[0][0]["event_id"] == pushed[1][0]["event_id"]
