"""Reading the tutor's Server-Sent Events in tests."""

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class StreamedTurn:
    status: int
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    arrival: list[float] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [data for event, data in self.events if event == kind]

    @property
    def done(self) -> dict[str, Any]:
        (done,) = self.of("done")
        return done

    @property
    def shown_text(self) -> str:
        """What a client shows: tokens appended, a ``replace`` starting over."""
        text = ""
        for event, data in self.events:
            if event == "token":
                text += data["text"]
            elif event == "replace":
                text = data["text"]
        return text


async def parse(response: httpx.Response) -> StreamedTurn:
    turn = StreamedTurn(response.status_code)
    if response.status_code != 200:
        await response.aread()
        turn.error = response.json()["error"]
        return turn
    kind = "message"
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            turn.events.append((kind, json.loads(line.removeprefix("data:").strip())))
            turn.arrival.append(time.monotonic())
    return turn


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: uuid.UUID | str, text: str
) -> StreamedTurn:
    async with client.stream(
        "POST",
        f"/api/v1/tutor/sessions/{session_id}/messages",
        json={"content": text},
        headers=headers,
    ) as response:
        return await parse(response)


async def new_session(
    client: httpx.AsyncClient, headers: dict[str, str], course_id: uuid.UUID
) -> str:
    response = await client.post(
        "/api/v1/tutor/sessions", json={"course_id": str(course_id)}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
