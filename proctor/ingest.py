"""The proctor's WebRTC peer: one per proctoring session. It answers the learner's offer, turns
the webcam track into analysis-size frames on the session's media clock, the data channel's
messages into client signals, and reports the connection's state; all of it goes to the session
through a bounded ``IngestQueue`` (``ProctorPeer.received``).
"""

import asyncio
import logging
import time
from fractions import Fraction

import av
from aiortc import MediaStreamTrack, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription

from core.errors import AppError
from proctor.client_events import InvalidClientEvent, client_event_signal, parse_client_event
from proctor.frames import video_frame_image
from proctor.ice import gathering_on, rtc_configuration, without_mdns_candidates
from proctor.ingest_queue import ConnectionState, ConnectionStateChange, IngestQueue, IngestStats
from proctor.settings import ProctorSettings
from proctor.signals import Frame

logger = logging.getLogger(__name__)

MAX_PENDING_SIGNALS = 256
RTP_TIMESTAMP_MODULUS = 1 << 32
SENDING_DIRECTIONS = ("sendonly", "sendrecv")


class InvalidOffer(AppError):
    """The offer cannot start a proctoring session: not SDP aiortc accepts, or no webcam in it."""

    status_code = 400
    code = "invalid_offer"


class MediaClock:
    """Seconds of media time since the session's first frame. Received frames carry RTP
    timestamps (pts on a 90 kHz clock from a random origin, wrapping at 2³²), so steps are read
    modulo 2³². Client events have no media time of their own: they are placed on this clock by
    when they arrive, after the latest frame."""

    def __init__(self) -> None:
        self._last_pts: int | None = None
        self._ticks = 0
        self._latest_seconds = 0.0
        self._latest_arrival: float | None = None

    def frame_time(self, pts: int, time_base: Fraction) -> float:
        if self._last_pts is not None:
            step = (pts - self._last_pts) % RTP_TIMESTAMP_MODULUS
            if step >= RTP_TIMESTAMP_MODULUS // 2:  # a frame from before the last one
                step -= RTP_TIMESTAMP_MODULUS
            self._ticks += step
        self._last_pts = pts
        self._latest_seconds = max(0.0, float(self._ticks * time_base))
        self._latest_arrival = time.monotonic()
        return self._latest_seconds

    def now(self) -> float:
        if self._latest_arrival is None:
            return 0.0
        return self._latest_seconds + time.monotonic() - self._latest_arrival


def _webcam_mid(offer_sdp: str) -> str:
    """The media id of the first video the offer sends; ``InvalidOffer`` if none, or if aiortc's
    parser rejects the text."""
    try:
        description = SessionDescription.parse(offer_sdp)
    # aiortc's parser reports bad input with assert, ValueError, IndexError…: any is a bad offer.
    except Exception as error:
        raise InvalidOffer("The offer is not valid SDP.") from error
    for media in description.media:
        sends_video = media.kind == "video" and media.direction in SENDING_DIRECTIONS
        if sends_video and media.port != 0 and media.rtp.muxId:
            return media.rtp.muxId
    raise InvalidOffer("The offer sends no video track (a webcam is required).")


class ProctorPeer:
    """Receives one learner's webcam and client events. Answer one offer, read ``received``
    until it ends, ``close()`` when the session ends (safe to call more than once)."""

    def __init__(self, settings: ProctorSettings) -> None:
        self._settings = settings
        self._host_addresses = [str(address) for address in settings.ice_host_addresses]
        self.stats = IngestStats()
        self.received = IngestQueue(
            settings.ingest_max_pending_frames, MAX_PENDING_SIGNALS, self.stats
        )
        self._clock = MediaClock()
        self._frame_reader: asyncio.Task[None] | None = None
        self._reported_state: ConnectionState | None = None
        self._answered = False
        self._connection = RTCPeerConnection(rtc_configuration(settings))
        self._connection.on("connectionstatechange", self._on_connection_state)
        self._connection.on("datachannel", self._on_data_channel)

    @property
    def connection_state(self) -> ConnectionState:
        return ConnectionState(self._connection.connectionState)

    async def answer(self, offer_sdp: str, offer_type: str) -> RTCSessionDescription:
        """The SDP answer to the learner's offer. A bad offer raises ``InvalidOffer`` and
        closes the peer: nothing is left listening."""
        if self._answered:
            raise InvalidOffer("This peer already answered an offer; reconnect with a new one.")
        self._answered = True
        try:
            return await self._negotiate(offer_sdp, offer_type)
        except InvalidOffer:
            await self.close()
            raise
        # Whatever aiortc raises while negotiating, the text of the offer caused it.
        except Exception as error:
            await self.close()
            raise InvalidOffer("The offer cannot be negotiated.") from error

    async def close(self) -> None:
        await self._connection.close()  # aiortc's close is idempotent, and awaits the first one
        if self._frame_reader is not None:
            self._frame_reader.cancel()
            await asyncio.wait([self._frame_reader])
        self._report_state(ConnectionState.CLOSED)

    async def _negotiate(self, offer_sdp: str, offer_type: str) -> RTCSessionDescription:
        if offer_type != "offer":
            raise InvalidOffer(f"Expected an SDP offer, got {offer_type!r}.")
        webcam_mid = _webcam_mid(offer_sdp)
        offer = RTCSessionDescription(sdp=without_mdns_candidates(offer_sdp), type="offer")
        await self._connection.setRemoteDescription(offer)
        for transceiver in self._connection.getTransceivers():
            if transceiver.mid == webcam_mid:
                self._start_reading(transceiver.receiver.track)
            else:
                # Refused in the answer, so the browser sends nothing we would have to buffer.
                transceiver.direction = "inactive"
        answer = await self._connection.createAnswer()
        with gathering_on(self._host_addresses):
            await self._connection.setLocalDescription(answer)
        return self._connection.localDescription

    def _start_reading(self, track: MediaStreamTrack) -> None:
        self._frame_reader = asyncio.create_task(self._read_frames(track))

    async def _read_frames(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, av.VideoFrame) or frame.pts is None or frame.time_base is None:
                continue
            index = self.stats.frames_received
            self.stats.frames_received += 1
            at = self._clock.frame_time(frame.pts, frame.time_base)
            image = video_frame_image(frame, self._settings.analysis_width)
            self.received.put(Frame(image=image, at=at, index=index))

    def _on_data_channel(self, channel: RTCDataChannel) -> None:
        channel.on("message", self._on_message)

    def _on_message(self, message: str | bytes) -> None:
        # Called from aiortc's SCTP receive path: raising here would break the association.
        try:
            event = parse_client_event(message)
        except InvalidClientEvent as error:
            self.stats.messages_invalid += 1
            logger.info("Ignored an invalid client event: %s", error)
            return
        self.received.put(client_event_signal(event, at=self._clock.now()))

    def _on_connection_state(self) -> None:
        self._report_state(ConnectionState(self._connection.connectionState))

    def _report_state(self, state: ConnectionState) -> None:
        if state is self._reported_state:
            return
        self._reported_state = state
        self.received.put(ConnectionStateChange(state=state, wall_time=time.time()))
