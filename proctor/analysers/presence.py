"""Face presence: is the learner there, and alone?"""

from proctor.signals import Frame, Signal, SignalKind, SignalStatus


class PresenceAnalyser:
    """Counts the frame's faces: none is ``face_absent``, two or more ``multiple_faces``; the
    count is the value either way."""

    name = "presence"

    def analyse(self, frame: Frame) -> list[Signal]:
        count = len(frame.faces)
        if count == 1:
            return [Signal(analyser=self.name, at=frame.at, status=SignalStatus.OK, value=1)]
        kind = SignalKind.FACE_ABSENT if count == 0 else SignalKind.MULTIPLE_FACES
        signal = Signal(
            analyser=self.name, at=frame.at, status=SignalStatus.SUSPICIOUS, kind=kind, value=count
        )
        return [signal]
