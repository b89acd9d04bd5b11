"""Motion: how much of the picture changed since the previous analysed frame, and did the
learner leave the seat?"""

from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from proctor.settings import ProctorSettings
from proctor.signals import Frame, Signal, SignalKind, SignalStatus

# Blurring first keeps sensor noise and compression speckle from counting as change; a pixel
# counts as changed past this many grey levels (of 255).
BLUR_KERNEL = (5, 5)
CHANGED_GREY_LEVELS = 25


class MotionAnalyser:
    """The share of pixels changed is the value; ``left_seat`` when it passes
    ``motion_threshold`` and no face is left in the frame (a big change with the face still
    there is a person moving, not leaving). One per session: it keeps the previous frame."""

    name = "motion"

    def __init__(self, settings: ProctorSettings) -> None:
        self._threshold = settings.motion_threshold
        self._previous: NDArray[np.uint8] | None = None

    def analyse(self, frame: Frame) -> list[Signal]:
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        current = cast(NDArray[np.uint8], cv2.GaussianBlur(gray, BLUR_KERNEL, 0))
        previous, self._previous = self._previous, current
        if previous is None or previous.shape != current.shape:
            reason = "first frame" if previous is None else "frame size changed"
            return [self._signal(frame, SignalStatus.UNAVAILABLE, None, {"reason": reason})]
        changed = cv2.absdiff(current, previous) > CHANGED_GREY_LEVELS
        share = float(np.count_nonzero(changed)) / changed.size
        left = share > self._threshold and not frame.faces
        status = SignalStatus.SUSPICIOUS if left else SignalStatus.OK
        return [self._signal(frame, status, round(share, 4), {})]

    def _signal(
        self, frame: Frame, status: SignalStatus, share: float | None, detail: dict[str, str]
    ) -> Signal:
        return Signal(
            analyser=self.name,
            at=frame.at,
            status=status,
            kind=SignalKind.LEFT_SEAT,
            value=share,
            detail=detail,
        )
