"""Short staged webcam videos written with PyAV from the portraits' frames: what a learner's
camera would record in each case the proctor must tell apart, and in near misses it must let
pass (a glance aside, a moment out of the picture, a tilted head).

A video is a list of scenes (a picture held for some seconds); every frame gets its own sensor
noise, as a webcam's would, and is encoded as H.264 (yuv420p, as cameras and browsers record).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2

from proctor.signals import Image
from proctor.staging import portraits

FPS = 10
# A turn of the picture plane that reads as 33-37° of yaw either way (past the default 30°
# limit) while dlib still finds the face both ways (HOG score >= 0.3; at 50° the mirrored face
# scores ~0.1 and is lost in some frames, at 44° the yaw is ~32°, too near the limit).
TURN_DEGREES = 46.0


@dataclass(frozen=True)
class Scene:
    picture: Image
    seconds: float


def staged_pictures(scenes: Sequence[Scene], fps: int = FPS) -> list[Image]:
    """Every frame of the scenes in turn, each with its own sensor noise."""
    held = [scene.picture for scene in scenes for _ in range(round(scene.seconds * fps))]
    return [portraits.with_sensor_noise(picture, seed) for seed, picture in enumerate(held)]


def yuv420_frame(picture: Image) -> av.VideoFrame:
    """A BGR picture as an encoder's YUV 4:2:0 frame, converted once, by OpenCV, so that the
    encoder is given the very bytes it stores."""
    yuv = portraits.as_image(cv2.cvtColor(picture, cv2.COLOR_BGR2YUV_I420))
    return av.VideoFrame.from_ndarray(yuv, "yuv420p")


def write_video(path: Path, pictures: Sequence[Image], fps: int = FPS) -> Path:
    """``pictures`` (BGR, all one size) as a lossless H.264 MP4 at ``fps``.

    Lossless (QP 0) because lossy x264 output was not repeatable within one process (it changed
    with what the process had done before, one encoder thread or several), and a face the
    detector barely finds (the mirrored turned astronaut scores ~0.1) came and went between
    runs of one test; a lossless file decodes to exactly its pictures."""
    height, width = pictures[0].shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(
            "libx264", rate=fps, options={"qp": "0", "preset": "veryfast"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index, picture in enumerate(pictures):
            frame = yuv420_frame(picture)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))  # flush the encoder's delayed frames
    return path


def mirrored_scenes(scenes: Sequence[Scene]) -> list[Scene]:
    return [Scene(portraits.mirrored(scene.picture), scene.seconds) for scene in scenes]


def steady() -> list[Scene]:
    return [Scene(portraits.astronaut_frame(), 4)]


def absent_for_five_seconds() -> list[Scene]:
    """The learner at the camera for 2 s, gone for 5 s (the empty room), back for 2 s."""
    face, room = portraits.astronaut_frame(), portraits.empty_scene_frame()
    return [Scene(face, 2), Scene(room, 5), Scene(face, 2)]


def two_faces() -> list[Scene]:
    face = portraits.astronaut_frame()
    return [Scene(face, 1), Scene(portraits.two_faces_frame(), 3), Scene(face, 1)]


def turned_away() -> list[Scene]:
    """Facing the camera for 1 s, turned to the image's right for 4 s, back for 1 s."""
    face = portraits.astronaut_frame()
    return [Scene(face, 1), Scene(portraits.turned(face, TURN_DEGREES), 4), Scene(face, 1)]


def turned_away_mirrored() -> list[Scene]:
    """The same, as a mirrored (selfie) picture: turned to the image's left."""
    return mirrored_scenes(turned_away())


def steady_mirrored() -> list[Scene]:
    return mirrored_scenes(steady())


def glance_aside() -> list[Scene]:
    """Turned away for 2 s, less than the 3 s (default) that make looking away an event."""
    face = portraits.astronaut_frame()
    return [Scene(face, 1), Scene(portraits.turned(face, TURN_DEGREES), 2), Scene(face, 2)]


def brief_absence() -> list[Scene]:
    """Out of the picture for half a second, less than the 1 s (default) of an absence."""
    face, room = portraits.astronaut_frame(), portraits.empty_scene_frame()
    return [Scene(face, 2), Scene(room, 0.5), Scene(face, 2)]


def tilted_head() -> list[Scene]:
    """The head tilted 15° (roll) for 3 s, still facing the screen."""
    face = portraits.astronaut_frame()
    return [Scene(face, 1), Scene(portraits.rotated(face, 15), 3), Scene(face, 1)]


def other_person() -> list[Scene]:
    return [Scene(portraits.grace_hopper_frame(), 3)]


def substitution() -> list[Scene]:
    """The learner leaves for 1.5 s (the empty room), then someone else sits down for 3 s."""
    room = portraits.empty_scene_frame()
    return [
        Scene(portraits.astronaut_frame(), 2),
        Scene(room, 1.5),
        Scene(portraits.grace_hopper_frame(), 3),
    ]


def blank() -> list[Scene]:
    return [Scene(portraits.blank_frame(), 3)]


# The proctor eval suite's clips are made from these (evals/suites/proctor/dataset.py): a change
# to a stage it uses changes its dataset, whose VERSION must then move too.
STAGES: dict[str, Callable[[], list[Scene]]] = {
    "steady": steady,
    "steady_mirrored": steady_mirrored,
    "absent": absent_for_five_seconds,
    "brief_absence": brief_absence,
    "two_faces": two_faces,
    "turned": turned_away,
    "turned_mirrored": turned_away_mirrored,
    "glance_aside": glance_aside,
    "tilted_head": tilted_head,
    "other_person": other_person,
    "substitution": substitution,
    "blank": blank,
}
