"""The one interface every frame analyser implements."""

from typing import Protocol

from proctor.signals import Frame, Signal


class Analyser(Protocol):
    """Reads one frame and says what it saw; an analyser that cannot judge says
    ``unavailable``, never ``ok``. Analysers keep their own state across frames of one session
    (a previous frame, when they last checked): make one per session."""

    name: str

    def analyse(self, frame: Frame) -> list[Signal]: ...
