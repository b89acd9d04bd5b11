"""Identity: is the face in the frame the learner who enrolled?

A face embedding costs ~60 ms, so the check runs at a cadence, not on every frame: at the
first frame with a face, every ``identity_every_seconds`` of media time after that, and at once
when a face reappears after frames without one (when someone else would sit down). Frames
between checks produce no identity signal at all, rather than an ok that nobody measured.
"""

import numpy as np

from proctor.errors import EnrolmentManyFaces, EnrolmentNoFace
from proctor.faces import Embedding, FaceEmbedder, FaceFinder
from proctor.frames import resize_for_analysis
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, Signal, SignalKind, SignalStatus

# An enrolment photo is searched at two widths. dlib's HOG detector scores a face confidently
# (~1-2) only near the sizes its window was trained on, and a real face of the other size can
# score ~0.1 at one width; a false find (the astronaut's suit, in a JPEG of her portrait) stays
# faint at every width. So a face counts when one width finds it confidently: two people are
# refused when either width finds two, and a faint false find never refuses a real portrait.
ENROLMENT_WIDTHS = (512, 800)
ENROLMENT_MIN_FACE_SCORE = 0.3


def enrolment_embedding(photo: Image, finder: FaceFinder, embedder: FaceEmbedder) -> Embedding:
    """The embedding of the one face in an enrolment photo (BGR).

    Raises ``EnrolmentNoFace`` or ``EnrolmentManyFaces`` unless there is exactly one clear face
    (see ``ENROLMENT_WIDTHS``).
    """
    searches = []
    for width in ENROLMENT_WIDTHS:
        scaled = resize_for_analysis(photo, width)
        faces = [face for face in finder.find(scaled) if face.score >= ENROLMENT_MIN_FACE_SCORE]
        searches.append((scaled, faces))
    most = max(len(faces) for _, faces in searches)
    if most == 0:
        raise EnrolmentNoFace("No face was found in the enrolment photo (a clear, frontal one).")
    if most > 1:
        raise EnrolmentManyFaces(
            f"The enrolment photo shows {most} faces; it must show only the learner's.",
            details={"faces": most},
        )
    clearest = max((faces[0].score, index) for index, (_, faces) in enumerate(searches) if faces)
    scaled, (face,) = searches[clearest[1]]
    return embedder.embed(scaled, face)


class IdentityAnalyser:
    """``identity_mismatch`` when the face is farther than ``identity_max_distance`` from the
    enrolment (the distance is the value); ``unavailable`` at a due check without exactly one
    face or without an enrolment. One per session: it remembers when it last checked."""

    name = "identity"

    def __init__(
        self, settings: ProctorSettings, embedder: FaceEmbedder, enrolment: Embedding | None
    ) -> None:
        self._every_seconds = settings.identity_every_seconds
        self._max_distance = settings.identity_max_distance
        self._embedder = embedder
        self._enrolment = enrolment
        self._last_check_at: float | None = None
        self._previous_frame_had_face = False
        # A due check that found two faces is repeated as soon as one face is left alone.
        self._check_when_one_face = False

    def analyse(self, frame: Frame) -> list[Signal]:
        due = self._check_due(frame)
        self._previous_frame_had_face = bool(frame.faces)
        if not due:
            return []
        self._last_check_at = frame.at
        self._check_when_one_face = len(frame.faces) != 1
        return [self._check(frame)]

    def _check_due(self, frame: Frame) -> bool:
        if not frame.faces:
            return False
        if self._last_check_at is None or not self._previous_frame_had_face:
            return True
        if self._check_when_one_face and len(frame.faces) == 1:
            return True
        return frame.at - self._last_check_at >= self._every_seconds

    def _check(self, frame: Frame) -> Signal:
        if self._enrolment is None:
            return self._unavailable(frame, "no enrolment")
        if len(frame.faces) != 1:
            return self._unavailable(frame, f"{len(frame.faces)} faces, identity needs one")
        embedding = self._embedder.embed(frame.image, frame.faces[0])
        distance = float(np.linalg.norm(embedding - self._enrolment))
        mismatch = distance > self._max_distance
        return Signal(
            analyser=self.name,
            at=frame.at,
            status=SignalStatus.SUSPICIOUS if mismatch else SignalStatus.OK,
            kind=SignalKind.IDENTITY_MISMATCH,
            value=round(distance, 3),
        )

    def _unavailable(self, frame: Frame, reason: str) -> Signal:
        return Signal(
            analyser=self.name,
            at=frame.at,
            status=SignalStatus.UNAVAILABLE,
            kind=SignalKind.IDENTITY_MISMATCH,
            detail={"reason": reason},
        )
