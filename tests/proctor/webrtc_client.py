"""A stand-in for the learner's browser: an aiortc peer that streams given pictures as a webcam
and sends client events on a data channel, gathering on loopback only."""

import asyncio
import time
from collections.abc import Callable, Sequence

import av
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import VIDEO_CLOCK_RATE, VIDEO_TIME_BASE, MediaStreamError

from proctor.ice import gathering_on
from proctor.signals import Image
from proctor.staging.videos import yuv420_frame

# No picture leaving for this long means the stream stalled (pictures are due every 0.1-0.2 s).
STALL_SECONDS = 10.0


class PictureSequenceTrack(VideoStreamTrack):
    """Sends each BGR picture once, ``fps`` a second, with pts on the 90 kHz video clock; then
    ends. ``sent_at`` holds when each left (``time.monotonic()``)."""

    def __init__(self, pictures: Sequence[Image], fps: float) -> None:
        super().__init__()
        self._pictures = pictures
        self._fps = fps
        self._first_sent: float | None = None
        self.sent_at: list[float] = []
        self._progress = asyncio.Condition()
        self.finished = asyncio.Event()

    async def recv(self) -> av.VideoFrame:
        index = len(self.sent_at)
        if index == len(self._pictures):
            async with self._progress:
                self.finished.set()
                self._progress.notify_all()
            self.stop()
            raise MediaStreamError
        if self._first_sent is None:
            self._first_sent = time.monotonic()
        await asyncio.sleep(self._first_sent + index / self._fps - time.monotonic())
        frame = yuv420_frame(self._pictures[index])
        frame.pts = round(index * VIDEO_CLOCK_RATE / self._fps)
        frame.time_base = VIDEO_TIME_BASE
        self.sent_at.append(time.monotonic())
        async with self._progress:
            self._progress.notify_all()
        return frame

    async def wait_sent(self, count: int) -> None:
        """Returns once ``count`` pictures have left."""
        async with self._progress:
            await self._progress.wait_for(lambda: len(self.sent_at) >= count)

    async def until_finished(self, stall_seconds: float = STALL_SECONDS) -> None:
        """Returns once every picture has left. A loaded machine only slows the stream down, so
        the deadline is on progress: raises TimeoutError when no picture leaves for
        ``stall_seconds`` (say, a connection that never came up)."""
        async with self._progress:
            while not self.finished.is_set():
                sent = len(self.sent_at)
                try:
                    await asyncio.wait_for(
                        self._progress.wait_for(self._progressed_since(sent)), stall_seconds
                    )
                except TimeoutError:
                    raise TimeoutError(
                        f"no picture left for {stall_seconds} s "
                        f"({sent} of {len(self._pictures)} sent)"
                    ) from None

    def _progressed_since(self, sent: int) -> Callable[[], bool]:
        return lambda: len(self.sent_at) > sent or self.finished.is_set()

    def media_time(self, index: int) -> float:
        """When picture ``index`` is due on the media clock, in seconds."""
        return round(index * VIDEO_CLOCK_RATE / self._fps) / VIDEO_CLOCK_RATE


class WebcamClient:
    """Offers a webcam (``PictureSequenceTrack``) and an ``events`` data channel."""

    def __init__(
        self,
        pictures: Sequence[Image],
        fps: float,
        host_addresses: Sequence[str] = ("127.0.0.1",),
        with_video: bool = True,
    ) -> None:
        self._host_addresses = host_addresses
        self.connection = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self.track = PictureSequenceTrack(pictures, fps)
        if with_video:
            self.connection.addTransceiver(self.track, direction="sendonly")
        self.events = self.connection.createDataChannel("events")
        self._events_open = asyncio.Event()
        self.events.on("open", self._events_open.set)

    async def offer(self) -> RTCSessionDescription:
        """The offer, its candidates gathered (on the host addresses only)."""
        with gathering_on(self._host_addresses):
            await self.connection.setLocalDescription(await self.connection.createOffer())
        return self.connection.localDescription

    async def accept(self, answer_sdp: str, answer_type: str) -> None:
        await self.connection.setRemoteDescription(
            RTCSessionDescription(sdp=answer_sdp, type=answer_type)
        )

    async def send_event(self, message: str | bytes) -> None:
        """Sends one data-channel message, once the channel is open."""
        await self._events_open.wait()
        self.events.send(message)

    async def close(self) -> None:
        await self.connection.close()
