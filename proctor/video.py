"""Frames of a video file on the file's own clock, at analysis size: how ``wc proctor analyse``
and evaluations feed a recorded webcam to a ``ProctorSession``."""

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import av
import av.container

from proctor.errors import VideoUnreadable
from proctor.frames import video_frame_image
from proctor.signals import Frame


class VideoFile:
    """An open video file. ``frames()`` decodes its first video stream once, each frame at
    ``width`` pixels wide and at its media time (seconds since the first frame). Opening a file
    that is missing or has no video raises ``VideoUnreadable``; so does a decoding error."""

    def __init__(self, path: Path, width: int) -> None:
        self._path = path
        self._width = width
        try:
            self._container: av.container.InputContainer = av.open(str(path))
        except (av.FFmpegError, OSError) as error:
            raise VideoUnreadable(f"{path.name} cannot be opened as a video: {error}") from error
        if not self._container.streams.video:
            self._container.close()
            raise VideoUnreadable(f"{path.name} has no video stream.")
        self._stream = self._container.streams.video[0]

    @property
    def duration(self) -> float | None:
        """Seconds of video, as the file declares them (None when it does not)."""
        if self._stream.duration is not None and self._stream.time_base is not None:
            return float(self._stream.duration * self._stream.time_base)
        if self._container.duration is not None:
            return self._container.duration / av.time_base
        return None

    def frames(self) -> Iterator[Frame]:
        try:
            yield from self._decoded_frames()
        except av.FFmpegError as error:
            raise VideoUnreadable(f"{self._path.name} could not be decoded: {error}") from error

    def _decoded_frames(self) -> Iterator[Frame]:
        first_time: float | None = None
        index = 0
        for decoded in self._container.decode(self._stream):
            if decoded.time is None:  # no timestamp: nowhere to put it on the timeline
                continue
            if first_time is None:
                first_time = decoded.time
            image = video_frame_image(decoded, self._width)
            yield Frame(image=image, at=decoded.time - first_time, index=index)
            index += 1

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoFile":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
