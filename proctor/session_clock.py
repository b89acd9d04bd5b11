"""Session time: the seconds every signal and event of one proctoring session are placed at."""

import enum
import time


class SourceKind(enum.Enum):
    LIVE = "live"
    FILE = "file"


class SessionClock:
    """Live, session time counts from when the session started listening (the moment the
    platform can line up with the sitting), and each stream's media time is placed by when its
    first frame arrived: a stream after a reconnect starts its own media clock at 0 again, and
    goes on from where the session is. A file's media time is session time as it stands."""

    def __init__(self) -> None:
        self._kind: SourceKind | None = None
        self._started: float | None = None  # time.monotonic() when live
        self._offset: float | None = None  # session time minus the current stream's media time
        self.latest_frame_at = 0.0

    def start_source(self, kind: SourceKind) -> None:
        """A new stream (or the file) begins; its media time will be placed at its first frame."""
        if self._kind not in (None, kind) or (kind is SourceKind.FILE and self._kind):
            raise ValueError("a session reads live streams, or one file")
        self._kind = kind
        self._offset = 0.0 if kind is SourceKind.FILE else None
        if kind is SourceKind.LIVE and self._started is None:
            self._started = time.monotonic()

    def now(self) -> float:
        if self._started is None:
            return self.latest_frame_at
        return time.monotonic() - self._started

    def frame_time(self, media_at: float) -> float:
        """The session time of a frame at ``media_at`` on its stream's clock."""
        if self._offset is None:
            self._offset = self.now() - media_at
        at = max(0.0, self._offset + media_at)
        self.latest_frame_at = at
        return at

    def event_time(self, media_at: float) -> float:
        """The session time of a client event the stream placed at ``media_at``; before the
        stream's first frame it has no clock, and the event is placed now."""
        return self.now() if self._offset is None else max(0.0, self._offset + media_at)
