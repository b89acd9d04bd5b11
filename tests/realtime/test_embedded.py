"""The hub embedded in one API process (in-process fan-out and presence): chat over HTTP reaches
WebSocket subscribers, and a client resumes from PostgreSQL once its frames left the history."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from platform_api.content.store import cancel_topic, claim_topics
from tests.assessments.factory import teaching_course
from tests.fixtures.app import Account, Api, make_settings, running_api, served_on_loopback
from tests.realtime.hub_client import hub_client

HISTORY_FRAMES = 3
CHAT_PER_MINUTE = 6


@pytest.fixture
async def embedded(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[tuple[Api, str]]:
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        realtime_history_frames=HISTORY_FRAMES,
        realtime_chat_messages_per_minute=CHAT_PER_MINUTE,
    )
    async for api in running_api(settings):
        async with served_on_loopback(api.app) as base_url:
            yield api, base_url.replace("http://", "ws://") + "/api/v1/ws"


async def class_with(api: Api, teacher: Account, learner: Account) -> str:
    created = await api.client.post(
        "/api/v1/classes", json={"name": "Rivers"}, headers=teacher.headers
    )
    class_id = str(created.json()["id"])
    await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        json={"student_email": learner.email},
        headers=teacher.headers,
    )
    return class_id


async def test_chat_posted_over_http_reaches_subscribers_and_history(
    embedded: tuple[Api, str],
) -> None:
    api, ws_url = embedded
    teacher, learner = await api.account("teacher"), await api.account("student")
    class_id = await class_with(api, teacher, learner)
    async with hub_client(ws_url, learner.access_token) as client:
        joined = await client.subscribe(f"class:{class_id}")
        assert [m["user_id"] for m in joined["online"]] == [str(learner.id)]
        posted = await api.client.post(
            f"/api/v1/classes/{class_id}/messages",
            json={"text": "  Rivers run to the sea  "},
            headers=teacher.headers,
        )
        frame = await client.next_of("chat.message")

    assert posted.status_code == 201, posted.text
    assert frame["event_id"] == posted.json()["event_id"]
    assert frame["message"]["text"] == "Rivers run to the sea"
    assert frame["message"]["author_name"] == "A teacher"
    history = await api.client.get(
        f"/api/v1/classes/{class_id}/messages", params={"limit": 1}, headers=learner.headers
    )
    assert history.json()["total"] == 1
    assert history.json()["items"][0]["id"] == posted.json()["id"]


async def test_resume_past_the_recent_history_comes_from_postgresql(
    embedded: tuple[Api, str],
) -> None:
    api, ws_url = embedded
    teacher, learner = await api.account("teacher"), await api.account("student")
    class_id = await class_with(api, teacher, learner)
    texts = [f"Step {n} of the water cycle" for n in range(6)]
    posted = [
        (
            await api.client.post(
                f"/api/v1/classes/{class_id}/messages", json={"text": text}, headers=teacher.headers
            )
        ).json()
        for text in texts
    ]

    async with hub_client(ws_url, learner.access_token) as client:
        resumed = await client.subscribe(f"class:{class_id}", posted[0]["event_id"])
        replayed = [await client.next_frame() for _ in range(resumed["missed"])]

    assert resumed["complete"] is True  # the ring holds 3 frames; PostgreSQL the rest
    chats = [frame for frame in replayed if frame["type"] == "chat.message"]
    assert [frame["message"]["text"] for frame in chats] == texts[1:]
    assert [frame["event_id"] for frame in chats] == [m["event_id"] for m in posted[1:]]


async def test_posting_faster_than_the_limit_is_refused_on_http_and_socket(
    embedded: tuple[Api, str],
) -> None:
    api, ws_url = embedded
    teacher, learner = await api.account("teacher"), await api.account("student")
    class_id = await class_with(api, teacher, learner)
    path = f"/api/v1/classes/{class_id}/messages"
    for n in range(CHAT_PER_MINUTE):
        posted = await api.client.post(path, json={"text": f"Note {n}"}, headers=teacher.headers)
        assert posted.status_code == 201
    refused = await api.client.post(path, json={"text": "One more"}, headers=teacher.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    async with hub_client(ws_url, teacher.access_token) as client:
        await client.send(
            {"type": "chat.send", "request_id": "r", "class_id": class_id, "text": "And one"}
        )
        assert (await client.next_of("error", request_id="r"))["code"] == "rate_limited"
    history = await api.client.get(path, headers=learner.headers)
    assert history.json()["total"] == CHAT_PER_MINUTE


async def test_a_content_jobs_owner_follows_its_progress_topic_by_topic(
    embedded: tuple[Api, str],
) -> None:
    api, ws_url = embedded
    teacher = await api.account("teacher")
    course = await teaching_course(api, teacher, mc_items=1)
    created = await api.client.post(
        "/api/v1/content/jobs",
        headers=teacher.headers,
        json={"course_id": course.course_id, "topics": [{"topic": "Rivers"}, {"topic": "Lakes"}]},
    )
    assert created.status_code == 202, created.text
    job_id = uuid.UUID(created.json()["id"])
    database = api.stores.database
    async with hub_client(ws_url, teacher.access_token) as client:
        await client.subscribe(f"user:{teacher.id}")
        first, second = await claim_topics(database, 2, 60.0, 10, job_id=job_id)
        await cancel_topic(database, first)
        one = await client.next_of("content.job.progress")
        await cancel_topic(database, second)
        two = await client.next_of("content.job.progress")
    assert (one["job_id"], one["status"], one["done"], one["total"]) == (
        str(job_id),
        "cancelled",
        1,
        2,
    )
    assert (two["topic_id"], two["done"]) == (str(second.topic_id), 2)
