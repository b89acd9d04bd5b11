"""The tutor over the WebSocket hub: authenticate first, stream answers as frames, cancel."""

import json
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from agents.tutor.policy import NOT_COVERED
from tests.fixtures.app import Account, Api
from tests.fixtures.llm import LlmServer, assert_llm_aborted, quiet_llm_count, wait_until_llm_busy
from tests.tutor.conftest import LONG_QUESTION, TutorCourse, explained_course
from tests.tutor.sse import new_session

OFF_TOPIC = "Which team won the 1998 football world cup?"


def hub_url(api: Api) -> str:
    return f"ws://{api.client.base_url.host}:{api.client.base_url.port}/api/v1/ws"


async def receive(socket: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await socket.recv(decode=True))
    return frame


async def signed_in(socket: ClientConnection, account: Account) -> None:
    await socket.send(json.dumps({"type": "auth", "token": account.access_token}))
    assert await receive(socket) == {"type": "ready", "user_id": str(account.id)}


async def frames_until(socket: ClientConnection, last: str) -> list[dict[str, Any]]:
    frames = [await receive(socket)]
    while frames[-1]["type"] not in (last, "error"):
        frames.append(await receive(socket))
    return frames


async def test_connection_must_authenticate_first(tutor_api: Api) -> None:
    for first in ({"type": "tutor.cancel", "request_id": "1"}, {"type": "auth", "token": "x"}):
        async with connect(hub_url(tutor_api)) as socket:
            await socket.send(json.dumps(first))
            with pytest.raises(ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_answers_stream_as_frames_and_errors_keep_the_connection(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner, other = await tutor_api.account("student"), await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    theirs = await new_session(tutor_api.client, other.headers, course.course_id)
    async with connect(hub_url(tutor_api)) as socket:
        await signed_in(socket, learner)

        await socket.send("not json")
        assert (await receive(socket))["code"] == "validation_error"
        for session, request_id in ((str(uuid.uuid4()), "a"), (theirs, "b")):
            await socket.send(
                json.dumps(
                    {
                        "type": "tutor.send",
                        "request_id": request_id,
                        "session_id": session,
                        "content": OFF_TOPIC,
                    }
                )
            )
            error = await receive(socket)
            assert (error["type"], error["code"], error["request_id"]) == (
                "error",
                "not_found",
                request_id,
            )
        await socket.send(
            json.dumps(
                {"type": "tutor.send", "request_id": "c", "session_id": session_id, "content": ""}
            )
        )
        assert (await receive(socket))["code"] == "validation_error"

        await socket.send(
            json.dumps(
                {
                    "type": "tutor.send",
                    "request_id": "d",
                    "session_id": session_id,
                    "content": OFF_TOPIC,
                }
            )
        )
        frames = await frames_until(socket, "tutor.done")

    assert frames[0]["type"] == "tutor.turn"
    assert {f["request_id"] for f in frames} == {"d"}
    assert frames[-1]["answer"] == NOT_COVERED
    detail = await tutor_api.client.get(
        f"/api/v1/tutor/sessions/{session_id}", headers=learner.headers
    )
    assert [m["content"] for m in detail.json()["messages"]] == [OFF_TOPIC, NOT_COVERED]


async def test_cancel_frame_stops_the_llm(long_answer_api: Api, llm_server: LlmServer) -> None:
    if llm_server.metrics_url is None:
        pytest.skip("no metrics URL for a reused LLM application")
    api = long_answer_api
    course = await explained_course(api)
    learner = await api.account("student")
    session_id = await new_session(api.client, learner.headers, course.course_id)
    finished = await quiet_llm_count(llm_server.metrics_url)
    async with connect(hub_url(api)) as socket:
        await signed_in(socket, learner)
        await socket.send(
            json.dumps(
                {
                    "type": "tutor.send",
                    "request_id": "long",
                    "session_id": session_id,
                    "content": LONG_QUESTION,
                }
            )
        )
        assert (await frames_until(socket, "tutor.token"))[-1]["type"] == "tutor.token"
        await wait_until_llm_busy(llm_server.metrics_url)
        await socket.send(json.dumps({"type": "tutor.cancel", "request_id": "long"}))
        frames = await frames_until(socket, "tutor.cancelled")
        assert frames[-1] == {"type": "tutor.cancelled", "request_id": "long"}
        assert not any(f["type"] == "tutor.done" for f in frames)
        await assert_llm_aborted(llm_server.metrics_url, finished)
