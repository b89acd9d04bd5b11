"""A signed-in client of the WebSocket hub, for the tests: send frames, wait for one kind."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

FRAME_TIMEOUT_SECONDS = 10.0


@dataclass
class HubClient:
    socket: ClientConnection
    user_id: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(frame))

    async def next_frame(self, timeout: float = FRAME_TIMEOUT_SECONDS) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(
            await asyncio.wait_for(self.socket.recv(decode=True), timeout)
        )
        self.seen.append(frame)
        return frame

    async def next_of(
        self, frame_type: str, timeout: float = FRAME_TIMEOUT_SECONDS, **match: Any
    ) -> dict[str, Any]:
        """The next frame of that type (and those field values), skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next_frame(timeout)
                if frame["type"] == "error" and frame_type != "error":
                    raise AssertionError(f"error frame while waiting for {frame_type}: {frame}")
                if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                    return frame

    async def subscribe(self, channel: str, last_event_id: str | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
        if last_event_id is not None:
            frame["last_event_id"] = last_event_id
        await self.send(frame)
        return await self.next_of("subscribed", channel=channel)


@asynccontextmanager
async def hub_client(ws_url: str, access_token: str) -> AsyncIterator[HubClient]:
    """A signed-in connection."""
    async with connect(ws_url, open_timeout=30) as socket_:
        await socket_.send(json.dumps({"type": "auth", "token": access_token}))
        ready = json.loads(await asyncio.wait_for(socket_.recv(decode=True), 30))
        assert ready["type"] == "ready", ready
        yield HubClient(socket_, ready["user_id"])


class StalledClient:
    """A client that stops reading: a raw socket speaking WebSocket through websockets' sans-I/O
    protocol, with a tiny receive buffer and segment size as on a poor link (on loopback, with
    its 64 kB segments, the kernel would otherwise buffer megabytes before the server waits)."""

    def __init__(self, ws_url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(ws_url))
        parts = urlsplit(ws_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        self.socket.setblocking(False)
        self.texts: list[dict[str, Any]] = []

    async def open(self) -> None:
        await asyncio.get_running_loop().sock_connect(self.socket, self.address)
        self.protocol.send_request(self.protocol.connect())
        await self._flush()
        while self.protocol.state is not State.OPEN:
            await self._read()

    async def send(self, frame: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(frame).encode())
        await self._flush()

    async def read_until(self, frame_type: str) -> None:
        while not any(text["type"] == frame_type for text in self.texts):
            await self._read()

    async def drain(self) -> tuple[int, str]:
        """Read everything left up to the server's close frame: its code and reason."""
        while self.protocol.close_rcvd is None:
            await self._read()
        return self.protocol.close_rcvd.code, self.protocol.close_rcvd.reason

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        data = await asyncio.wait_for(loop.sock_recv(self.socket, 65536), FRAME_TIMEOUT_SECONDS)
        if not data:
            raise ConnectionError("the server closed the connection without a close frame")
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.texts.append(json.loads(bytes(event.data)))

    async def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            await asyncio.get_running_loop().sock_sendall(self.socket, data)


@asynccontextmanager
async def stalled_client(
    ws_url: str, access_token: str, channel: str
) -> AsyncIterator[StalledClient]:
    """Signed in and subscribed to the channel, then reading nothing until ``drain``."""
    client = StalledClient(ws_url)
    try:
        await client.open()
        await client.send({"type": "auth", "token": access_token})
        await client.send({"type": "subscribe", "channel": channel})
        await client.read_until("subscribed")
        yield client
    finally:
        client.socket.close()
