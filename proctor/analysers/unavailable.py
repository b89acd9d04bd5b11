"""The stand-in for an analyser the proctor cannot run here (no detector weights configured)."""

from proctor.signals import Frame, Signal, SignalStatus


class UnavailableAnalyser:
    """Reads every analysed frame as ``unavailable``, with the reason: the timeline then says
    ``objects: unavailable`` instead of staying silent, which would read as nothing seen."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self._detail = {"reason": reason}

    def analyse(self, frame: Frame) -> list[Signal]:
        status = SignalStatus.UNAVAILABLE
        return [Signal(analyser=self.name, at=frame.at, status=status, detail=self._detail)]
