"""The proctor's WebRTC peer, fed by a real aiortc client over loopback with real portraits."""

import asyncio
import ipaddress
import itertools
import json
import socket
import time
from dataclasses import dataclass

import cv2
import numpy as np
import psutil
import pytest
import pytest_asyncio
from aiortc import RTCIceServer
from aiortc.mediastreams import VIDEO_CLOCK_RATE, VIDEO_TIME_BASE
from matplotlib import cbook
from skimage import data

from proctor.client_events import MAX_MESSAGE_BYTES
from proctor.ice import rtc_configuration
from proctor.ingest import InvalidOffer, MediaClock, ProctorPeer
from proctor.ingest_queue import (
    ConnectionState,
    ConnectionStateChange,
    IngestQueue,
    IngestStats,
)
from proctor.settings import IceServer, ProctorSettings
from proctor.signals import Frame, Image, Signal, SignalKind, SignalStatus
from tests.proctor.webrtc_client import WebcamClient

FPS = 10
FRAMES_PER_PORTRAIT = 10  # 2 s of video: the astronaut, then Grace Hopper
WEBCAM_SIZE = (640, 480)
ANALYSIS_WIDTH = 320

EARLY_EVENTS = [{"type": "tab_hidden"}, {"type": "window_blur"}]
INVALID_MESSAGES: list[str | bytes] = [
    "not json",
    json.dumps({"type": "teleport"}),
    json.dumps({"type": "copy", "extra": True}),
    json.dumps({"type": "paste", "padding": "x" * MAX_MESSAGE_BYTES}),
    b"\xff\xfe",
]
MIDWAY_EVENTS = [{"type": "tab_visible"}, {"type": "copy"}, {"type": "screen_extended"}]


def _webcam_picture(bgr: Image) -> Image:
    return cv2.resize(bgr, WEBCAM_SIZE)


def _portraits() -> tuple[Image, Image]:
    """Two real people, as a 640×480 webcam would show them (BGR)."""
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    hopper = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return _webcam_picture(astronaut), _webcam_picture(hopper)


@dataclass(frozen=True)
class BoundSocket:
    kind: socket.SocketKind
    address: str
    port: int


def _inet_sockets() -> list[BoundSocket]:
    """This process's IPv4/IPv6 sockets and where each is bound."""
    return [
        BoundSocket(kind=s.type, address=s.laddr.ip, port=s.laddr.port)
        for s in psutil.Process().net_connections(kind="inet")
    ]


@dataclass(frozen=True)
class StreamedSession:
    """What one client→peer session produced, read once and shared (read-only) by the tests."""

    sent: list[Image]
    frames: list[Frame]
    frame_arrivals: list[float]
    signals: list[Signal]
    states: list[ConnectionStateChange]
    stats: IngestStats
    sockets_while_connected: list[BoundSocket]
    client_closed_at: float


async def _collect(peer: ProctorPeer, session: dict[str, list]) -> None:
    async for item in peer.received:
        if isinstance(item, Frame):
            session["frames"].append(item)
            session["frame_arrivals"].append(time.monotonic())
        elif isinstance(item, Signal):
            session["signals"].append(item)
        else:
            session["states"].append(item)


async def _send_all(client: WebcamClient, messages: list) -> None:
    for message in messages:
        await client.send_event(
            message if isinstance(message, str | bytes) else json.dumps(message)
        )


@pytest_asyncio.fixture(scope="module")
async def streamed() -> StreamedSession:
    astronaut, hopper = _portraits()
    sent = [astronaut] * FRAMES_PER_PORTRAIT + [hopper] * FRAMES_PER_PORTRAIT
    peer = ProctorPeer(ProctorSettings(analysis_width=ANALYSIS_WIDTH, ice_servers=[]))
    client = WebcamClient(sent, FPS)
    offer = await client.offer()
    answer = await peer.answer(offer.sdp, offer.type)
    await client.accept(answer.sdp, answer.type)
    collected: dict[str, list] = {"frames": [], "frame_arrivals": [], "signals": [], "states": []}
    collector = asyncio.create_task(_collect(peer, collected))

    await _send_all(client, EARLY_EVENTS + INVALID_MESSAGES)
    await asyncio.wait_for(client.track.wait_sent(FRAMES_PER_PORTRAIT), timeout=5)
    await _send_all(client, MIDWAY_EVENTS)
    sockets = _inet_sockets()
    await client.track.until_finished()
    await asyncio.sleep(0.2)  # the last frames' decoding

    client_closed_at = time.time()
    await client.close()
    await asyncio.wait_for(collector, timeout=5)  # ends with the peer's `closed` state
    await peer.close()
    await peer.close()
    return StreamedSession(
        sent=sent,
        stats=peer.stats,
        sockets_while_connected=sockets,
        client_closed_at=client_closed_at,
        **collected,
    )


def test_frames_arrive_at_analysis_width_on_the_sent_schedule(streamed: StreamedSession) -> None:
    # aiortc's jitter buffer releases a frame when the next one starts: the last never comes.
    assert len(streamed.frames) >= len(streamed.sent) - 2
    assert streamed.stats.frames_received == len(streamed.frames)
    assert streamed.stats.frames_dropped == 0
    assert all(frame.image.shape == (240, ANALYSIS_WIDTH, 3) for frame in streamed.frames)
    assert all(frame.image.dtype == np.uint8 for frame in streamed.frames)
    times = np.array([frame.at for frame in streamed.frames])
    assert times[0] == 0
    assert np.all(np.diff(times) > 0)
    # Media time comes from the sender's pts: each frame sits on the 1/FPS grid.
    np.testing.assert_allclose(times * FPS, np.round(times * FPS), atol=1e-6)
    assert times[-1] >= (len(streamed.sent) - 3) / FPS
    assert [frame.index for frame in streamed.frames] == list(range(len(streamed.frames)))
    arrivals = np.array(streamed.frame_arrivals)
    received_fps = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert FPS * 0.8 < received_fps < FPS * 1.2


def test_frames_show_the_pictures_sent(streamed: StreamedSession) -> None:
    for frame in streamed.frames:
        sent_index = round(frame.at * FPS)
        expected = streamed.sent[sent_index]
        other = streamed.sent[-1] if sent_index < FRAMES_PER_PORTRAIT else streamed.sent[0]
        assert _difference(frame.image, expected) < 12
        assert _difference(frame.image, expected) < _difference(frame.image, other) / 3


def _difference(received: Image, sent: Image) -> float:
    shrunk = cv2.resize(sent, received.shape[1::-1], interpolation=cv2.INTER_AREA)
    return float(np.mean(cv2.absdiff(received, shrunk)))


def test_client_events_arrive_as_client_signals(streamed: StreamedSession) -> None:
    readings = [(s.analyser, s.kind, s.status, s.detail["event"]) for s in streamed.signals]
    assert readings == [
        ("client", SignalKind.TAB_HIDDEN, SignalStatus.SUSPICIOUS, "tab_hidden"),
        ("client", SignalKind.WINDOW_BLUR, SignalStatus.SUSPICIOUS, "window_blur"),
        ("client", SignalKind.TAB_HIDDEN, SignalStatus.OK, "tab_visible"),
        ("client", SignalKind.COPY_PASTE, SignalStatus.SUSPICIOUS, "copy"),
        ("client", SignalKind.SECOND_SCREEN, SignalStatus.SUSPICIOUS, "screen_extended"),
    ]
    early, midway = streamed.signals[:2], streamed.signals[2:]
    assert all(signal.at < 0.3 for signal in early)
    # Sent once half the frames had left: placed on the media clock near that point.
    midway_due = FRAMES_PER_PORTRAIT / FPS
    assert all(abs(signal.at - midway_due) < 0.4 for signal in midway)


def test_invalid_messages_are_counted_and_the_session_goes_on(streamed: StreamedSession) -> None:
    assert streamed.stats.messages_invalid == len(INVALID_MESSAGES)
    # Events and frames sent after the invalid messages still arrived.
    assert len(streamed.signals) == len(EARLY_EVENTS) + len(MIDWAY_EVENTS)
    assert streamed.frames[-1].at > FRAMES_PER_PORTRAIT / FPS


def test_connection_states_are_reported_with_wall_time(streamed: StreamedSession) -> None:
    states = [change.state for change in streamed.states]
    assert states == [ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.CLOSED]
    closed = streamed.states[-1]
    assert streamed.client_closed_at <= closed.wall_time < streamed.client_closed_at + 2
    assert all(a.wall_time <= b.wall_time for a, b in itertools.pairwise(streamed.states))


def test_every_socket_is_on_loopback_while_connected(streamed: StreamedSession) -> None:
    ice_sockets = [s for s in streamed.sockets_while_connected if s.kind == socket.SOCK_DGRAM]
    assert len(ice_sockets) >= 2  # the client's and the peer's
    for bound in streamed.sockets_while_connected:
        assert ipaddress.ip_address(bound.address).is_loopback, bound


@pytest.mark.parametrize(
    ("offer_sdp", "offer_type"),
    [
        ("not sdp at all", "offer"),
        ("v=0\r\nm=video x", "offer"),  # aiortc's parser fails on an assert
        ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "offer"),
        ("v=0\r\n", "answer"),
        ("v=0\r\n", "pranswer"),
        ("v=0\x00\x00\r\n\x00", "offer"),  # NUL bytes
        # ICE before any media: a candidate with no m-section to belong to.
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            "a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n",
            "offer",
        ),
        # A video section with no ICE credentials: nothing to connect with.
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
            "c=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=sendonly\r\na=mid:0\r\n",
            "offer",
        ),
    ],
)
async def test_a_malformed_offer_is_an_invalid_offer(offer_sdp: str, offer_type: str) -> None:
    peer = ProctorPeer(ProctorSettings())
    with pytest.raises(InvalidOffer) as raised:
        await peer.answer(offer_sdp, offer_type)
    assert raised.value.code == "invalid_offer"
    assert raised.value.status_code == 400
    assert [change.state async for change in peer.received] == [ConnectionState.CLOSED]


async def test_an_offer_without_video_is_refused_and_nothing_stays_open() -> None:
    client = WebcamClient([], FPS, with_video=False)
    offer = await client.offer()
    sockets_before = set(_inet_sockets())
    peer = ProctorPeer(ProctorSettings())
    with pytest.raises(InvalidOffer, match="no video"):
        await peer.answer(offer.sdp, offer.type)
    assert set(_inet_sockets()) <= sockets_before
    await peer.close()  # again: harmless
    await client.close()


async def test_a_lagging_session_thins_its_frames_and_never_loses_a_state_change() -> None:
    astronaut, hopper = _portraits()
    stats = IngestStats()
    queue = IngestQueue(max_frames=3, max_signals=1, stats=stats)
    queue.put(ConnectionStateChange(ConnectionState.CONNECTED, wall_time=time.time()))
    for index in range(10):
        queue.put(Frame(image=astronaut if index % 2 else hopper, at=index / FPS, index=index))
    for second in range(2):
        queue.put(Signal(analyser="client", at=second, status=SignalStatus.SUSPICIOUS))
    queue.put(ConnectionStateChange(ConnectionState.CLOSED, wall_time=time.time()))

    waiting = [item async for item in queue]
    assert stats.frames_dropped == 7
    assert stats.signals_dropped == 1
    # The first frame of the lag stays: what waits still spans it.
    assert [item.index for item in waiting if isinstance(item, Frame)] == [0, 8, 9]
    assert [item.at for item in waiting if isinstance(item, Signal)] == [0]
    assert [item.state for item in waiting if isinstance(item, ConnectionStateChange)] == [
        ConnectionState.CONNECTED,
        ConnectionState.CLOSED,
    ]


async def test_mdns_candidates_are_not_resolved_on_the_lan() -> None:
    client = WebcamClient([], FPS)
    offer = await client.offer()
    mdns_candidate = (
        "a=candidate:1 1 udp 2130706431 0a1b2c3d-1111-4222-8333-444455556666.local 50000 typ host"
    )
    # In every media section: with one bundled transport, aiortc reads the last section's.
    offer_sdp = offer.sdp.replace("a=end-of-candidates", f"{mdns_candidate}\r\na=end-of-candidates")
    peer = ProctorPeer(ProctorSettings())
    answer = await peer.answer(offer_sdp, offer.type)
    assert "a=candidate" in answer.sdp
    assert all(bound.port != 5353 for bound in _inet_sockets())
    await peer.close()
    await client.close()


def test_no_ice_server_is_asked_unless_configured() -> None:
    # aiortc reads iceServers=None as "ask stun.l.google.com".
    assert rtc_configuration(ProctorSettings()).iceServers == []
    turn = IceServer(urls=["turn:127.0.0.1:3478"], username="proctor", credential="secret")
    configured = rtc_configuration(ProctorSettings(ice_servers=[turn]))
    assert configured.iceServers == [
        RTCIceServer(urls=["turn:127.0.0.1:3478"], username="proctor", credential="secret")
    ]


def test_media_time_runs_on_across_the_rtp_timestamp_wrap() -> None:
    clock = MediaClock()
    tick = VIDEO_CLOCK_RATE // FPS
    origin = (1 << 32) - tick  # the next frame's timestamp wraps to 0
    pts = [origin, 0, tick, 2 * tick, tick]  # the last arrives late, out of order
    times = [clock.frame_time(p, VIDEO_TIME_BASE) for p in pts]
    assert times == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.2])


async def test_a_stall_longer_than_the_queue_keeps_frames_from_all_of_it() -> None:
    [astronaut, _] = _portraits()
    stats = IngestStats()
    queue = IngestQueue(max_frames=8, max_signals=1, stats=stats)
    stalled = 3.5  # seconds of frames the analysis did not take
    for index in range(int(stalled * FPS)):
        queue.put(Frame(image=astronaut, at=index / FPS, index=index))
    queue.put(ConnectionStateChange(ConnectionState.CLOSED, wall_time=time.time()))

    kept = [item.at for item in [item async for item in queue] if isinstance(item, Frame)]
    assert len(kept) == 8 and stats.frames_dropped == int(stalled * FPS) - 8
    assert kept[0] == 0 and kept[-1] == (int(stalled * FPS) - 1) / FPS
    gaps = [round(later - earlier, 3) for earlier, later in itertools.pairwise(kept)]
    assert max(gaps) < stalled / 3, kept  # no third of the stall left unseen
    assert gaps == sorted(gaps, reverse=True), kept  # densest where most recent
