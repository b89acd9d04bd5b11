"""Head pose from six landmarks and a generic 3-D face: is the learner looking away?

Angles in degrees, in (-180, 180], as the camera sees the head:
- yaw > 0: the nose points to the image's right (the learner's left on an unmirrored camera;
  a mirrored image flips the sign);
- pitch > 0: the nose points up;
- roll > 0: the line of the eyes turns clockwise in the image.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from proctor.settings import ProctorSettings
from proctor.signals import Face, Frame, Signal, SignalKind, SignalStatus

# A generic face looking at the camera, in the camera's axes (x right, y down, z away from the
# camera), nose tip at the origin. The usual model is written y up, z towards the viewer, which
# makes a frontal face come out at pitch ±180°; turning it here once spares that wrap on every
# frame. Units are arbitrary: only the shape matters for the rotation.
FACE_MODEL = np.array(
    [
        (0.0, 0.0, 0.0),  # nose tip
        (0.0, 330.0, 65.0),  # chin
        (-225.0, -170.0, 135.0),  # outer corner of the eye on the image's left
        (225.0, -170.0, 135.0),  # outer corner of the eye on the image's right
        (-150.0, 150.0, 125.0),  # mouth corner on the image's left
        (150.0, 150.0, 125.0),  # mouth corner on the image's right
    ]
)
# The same six points among dlib's 68 landmarks.
MODEL_LANDMARKS = [30, 8, 36, 45, 48, 54]


@dataclass(frozen=True)
class HeadPose:
    yaw: float
    pitch: float
    roll: float


def wrap_degrees(angle: float) -> float:
    """``angle`` brought into (-180, 180]."""
    return (angle - 180.0) % -360.0 + 180.0


def head_pose(face: Face, width: int, height: int) -> HeadPose | None:
    """The pose of ``face`` in a ``width`` × ``height`` frame, or None when solvePnP fails.

    The camera is a guess from the frame alone: focal length = width (a ~53° webcam field of
    view), principal point at the centre, no distortion.
    """
    camera = np.array([[width, 0, width / 2], [0, width, height / 2], [0, 0, 1]], np.float64)
    image_points = face.landmarks[MODEL_LANDMARKS].astype(np.float64)
    solved, rotation_vector, _ = cv2.solvePnP(FACE_MODEL, image_points, camera, None)
    if not solved:
        return None
    rotation, _ = cv2.Rodrigues(rotation_vector)
    # rotation = Ry(a) · Rx(b) · Rz(c): turn about the camera's vertical axis, then nod, then
    # tilt. Positive a and b turn the nose left and down in the image, hence yaw = -a, pitch = -b.
    a = np.degrees(np.arctan2(rotation[0, 2], rotation[2, 2]))
    b = np.degrees(np.arcsin(np.clip(-rotation[1, 2], -1.0, 1.0)))
    c = np.degrees(np.arctan2(rotation[1, 0], rotation[1, 1]))
    yaw, pitch, roll = -a, -b, c
    return HeadPose(*(wrap_degrees(float(angle)) for angle in (yaw, pitch, roll)))


class PoseAnalyser:
    """Per frame: ``looking_away`` when |yaw| or |pitch| passes the setting (how long it must
    last is the risk engine's rule). Judges only a frame with exactly one face."""

    name = "pose"

    def __init__(self, settings: ProctorSettings) -> None:
        self._limit = settings.looking_away_degrees

    def analyse(self, frame: Frame) -> list[Signal]:
        if len(frame.faces) != 1:
            return [self._unavailable(frame, f"{len(frame.faces)} faces, pose needs one")]
        height, width = frame.image.shape[:2]
        pose = head_pose(frame.faces[0], width, height)
        if pose is None:
            return [self._unavailable(frame, "pose not solved")]
        turned = max(abs(pose.yaw), abs(pose.pitch))
        status = SignalStatus.SUSPICIOUS if turned > self._limit else SignalStatus.OK
        detail = {
            "yaw": round(pose.yaw, 1),
            "pitch": round(pose.pitch, 1),
            "roll": round(pose.roll, 1),
        }
        signal = Signal(
            analyser=self.name,
            at=frame.at,
            status=status,
            kind=SignalKind.LOOKING_AWAY,
            value=round(turned, 1),
            detail=detail,
        )
        return [signal]

    def _unavailable(self, frame: Frame, reason: str) -> Signal:
        return Signal(
            analyser=self.name,
            at=frame.at,
            status=SignalStatus.UNAVAILABLE,
            kind=SignalKind.LOOKING_AWAY,
            detail={"reason": reason},
        )
