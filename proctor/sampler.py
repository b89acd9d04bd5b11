"""Which incoming frames get analysed: a steady rate by media time, faster while a suspicion is
open, whatever rate (10–30 fps) and jitter the client sends."""

import math

from proctor.settings import ProctorSettings


class FrameSampler:
    """Keeps a grid of slots ``1 / rate`` apart in media time, starting at the first frame, and
    analyses the first frame that is nearer a new slot than the last one (so, half a slot early,
    and the second analysed frame comes half a slot after the first). Stepping the grid rather
    than the last frame's time is what keeps the rate steady under jitter: "at least 0.2 s after
    the last analysed frame" waits for the frame after each early one and drifts below the rate.
    The half-slot window is what keeps every frame of a client that sends exactly the rate.
    Slots with no frame (a frozen stream) are skipped, not made up in a burst. One per session."""

    def __init__(self, frames_per_second: float, suspicious_frames_per_second: float) -> None:
        if frames_per_second <= 0 or suspicious_frames_per_second <= 0:
            raise ValueError("sampling rates must be positive")
        self._calm_interval = 1 / frames_per_second
        self._suspicious_interval = 1 / suspicious_frames_per_second
        self._last_slot: float | None = None

    @classmethod
    def from_settings(cls, settings: ProctorSettings) -> "FrameSampler":
        return cls(settings.frames_per_second, settings.suspicious_frames_per_second)

    def should_analyse(self, at: float, *, suspicious: bool) -> bool:
        """Whether to analyse the frame at media time ``at`` (seconds); ``suspicious``: whether
        a suspicion is open now (``RiskEngine.suspicious_now``)."""
        interval = self._suspicious_interval if suspicious else self._calm_interval
        if self._last_slot is None or at < self._last_slot - interval:
            # The first frame, or media time restarted (a new track after a reconnect).
            self._last_slot = at
            return True
        slots_ahead = math.floor((at - self._last_slot) / interval + 0.5)  # the nearest slot
        if slots_ahead < 1:
            return False
        self._last_slot += slots_ahead * interval
        return True
