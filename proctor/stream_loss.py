"""When the webcam stream is lost, as ``stream_lost`` signals for the risk engine.

A stream is lost when its connection fails or closes, and also when frames stop arriving for
longer than the grace period while the connection still looks up (aiortc reports ``failed``
only after ~30 s without ICE consent). The loss starts at the last frame received and ends at
the next frame; the rules table makes it an event once it lasts ``reconnect_grace_seconds``.
The session watches for losses once its first frame has come.
"""

from typing import Any

from proctor.signals import Signal, SignalKind, SignalStatus

ANALYSER = "stream"


class StreamLoss:
    """Pure bookkeeping on session time; the session calls it and observes what it returns."""

    def __init__(self, grace_seconds: float) -> None:
        self._grace_seconds = grace_seconds
        self._lost_since: float | None = None
        self._reported_silence = False

    def frame_arrived(self, at: float) -> list[Signal]:
        """A frame came at ``at``: the ``ok`` that ends a loss, if one is going on."""
        if self._lost_since is None:
            return []
        self._lost_since = None
        self._reported_silence = False
        return [_signal(at, SignalStatus.OK)]

    def connection_lost(self, last_frame_at: float) -> list[Signal]:
        """The connection failed or closed: lost since its last frame, unless already lost."""
        if self._lost_since is not None:
            return []
        self._lost_since = last_frame_at
        return [_signal(last_frame_at, SignalStatus.SUSPICIOUS)]

    def silent(self, last_frame_at: float, now: float) -> list[Signal]:
        """No frame since ``last_frame_at`` and it is ``now``: past the grace period, the loss
        (started then) is reported as still going on now, once, so that a live timeline shows
        it as an open event."""
        silent_for = now - last_frame_at
        if silent_for < self._grace_seconds or self._reported_silence:
            return []
        self._reported_silence = True
        detail = {"silent_seconds": round(silent_for, 2)}
        return [*self.connection_lost(last_frame_at), _signal(now, SignalStatus.SUSPICIOUS, detail)]


def _signal(at: float, status: SignalStatus, detail: dict[str, Any] | None = None) -> Signal:
    return Signal(
        analyser=ANALYSER, at=at, status=status, kind=SignalKind.STREAM_LOST, detail=detail or {}
    )
