"""Objects: a phone, a book, or a second person in the frame, seen by the ONNX detector.

Class names map to kinds by what they mean (COCO's ``cell phone``, ``book``, ``person``, and the
same names in any model trained for the proctor). One person is the learner; two or more is an
extra person, whether or not their face shows. Without a detector it reports ``unavailable``.
"""

from collections import defaultdict
from functools import cache

from proctor.detector import Detection
from proctor.detector_source import DetectorSource
from proctor.signals import Frame, Signal, SignalKind, SignalStatus

KIND_OF_LABEL = {
    "cell phone": SignalKind.OBJECT_PHONE,
    "cellphone": SignalKind.OBJECT_PHONE,
    "mobile phone": SignalKind.OBJECT_PHONE,
    "phone": SignalKind.OBJECT_PHONE,
    "book": SignalKind.OBJECT_BOOK,
    "person": SignalKind.EXTRA_PERSON,
}
# The learner is one person; it takes this many to be an extra one.
PERSONS_FOR_EXTRA = 2


@cache
def watched_kinds(labels: tuple[str, ...]) -> tuple[SignalKind, ...]:
    """The kinds a model with these classes can judge, in a stable order."""
    known = {KIND_OF_LABEL[label] for label in labels if label in KIND_OF_LABEL}
    return tuple(kind for kind in SignalKind if kind in known)


def suspicious_detections(detections: list[Detection]) -> dict[SignalKind, list[Detection]]:
    """The detections behind each kind seen: every phone or book, the persons when extra."""
    by_kind: defaultdict[SignalKind, list[Detection]] = defaultdict(list)
    for detection in detections:
        if kind := KIND_OF_LABEL.get(detection.label):
            by_kind[kind].append(detection)
    if len(by_kind.get(SignalKind.EXTRA_PERSON, [])) < PERSONS_FOR_EXTRA:
        by_kind.pop(SignalKind.EXTRA_PERSON, None)
    return dict(by_kind)


class ObjectAnalyser:
    """One signal per watched kind when something is seen (suspicious for what is seen, ``ok``
    for the rest, so the risk engine ends those runs); a single ``ok`` when nothing is."""

    name = "objects"

    def __init__(self, source: DetectorSource) -> None:
        self._source = source

    def analyse(self, frame: Frame) -> list[Signal]:
        state = self._source.state
        if state.detector is None:
            return [self._signal(frame, SignalStatus.UNAVAILABLE, detail={"reason": state.reason})]
        kinds = watched_kinds(state.detector.labels)
        if not kinds:
            reason = f"{state.origin} knows no phone, book or person class"
            return [self._signal(frame, SignalStatus.UNAVAILABLE, detail={"reason": reason})]
        seen = suspicious_detections(state.detector.detect(frame.image))
        if not seen:
            return [self._signal(frame, SignalStatus.OK, detail={"model": state.origin})]
        return [self._reading(frame, kind, seen.get(kind, []), state.origin) for kind in kinds]

    def _reading(
        self, frame: Frame, kind: SignalKind, detections: list[Detection], origin: str
    ) -> Signal:
        if not detections:
            return self._signal(frame, SignalStatus.OK, kind, detail={"model": origin})
        # A person count says more than a confidence; for objects the best confidence is the
        # measure.
        if kind is SignalKind.EXTRA_PERSON:
            value = float(len(detections))
        else:
            value = max(detection.confidence for detection in detections)
        detail: dict[str, object] = {
            "model": origin,
            "boxes": [list(detection.box) for detection in detections],
            "confidences": [detection.confidence for detection in detections],
        }
        return self._signal(frame, SignalStatus.SUSPICIOUS, kind, value, detail)

    def _signal(
        self,
        frame: Frame,
        status: SignalStatus,
        kind: SignalKind | None = None,
        value: float | None = None,
        detail: dict[str, object] | None = None,
    ) -> Signal:
        return Signal(
            analyser=self.name,
            at=frame.at,
            status=status,
            kind=kind,
            value=value,
            detail=detail or {},
        )
