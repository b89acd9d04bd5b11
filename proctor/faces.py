"""dlib's bundled face models: find faces with their 68 landmarks, and describe a face as a
128-d embedding (two faces of one person lie within ~0.6 of each other)."""

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import dlib
import numpy as np
from numpy.typing import NDArray

from proctor.signals import Face, Image

Embedding = NDArray[np.float64]

LANDMARKS_MODEL = "shape_predictor_68_face_landmarks.dat"
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(file_name: str) -> str:
    """A model file of the ``face-recognition-models`` wheel, found without importing the package
    (its ``__init__`` imports ``pkg_resources``, which recent setuptools no longer ships)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the face-recognition-models package is not installed")
    path = Path(spec.submodule_search_locations[0]) / "models" / file_name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from face-recognition-models")
    return str(path)


class FaceFinder:
    """dlib's HOG frontal-face detector and its 68-point landmark predictor.

    Without upsampling (the default) a 320-px-wide frame is searched in ~6 ms and faces from
    ~70 px wide are found (a face filling a fifth of the frame's width or more); upsampling once
    finds smaller faces at four times the cost and, on the astronaut portrait, a second, false
    face in her suit.

    Safe to share between threads (sessions): dlib's detector keeps the frame it scans inside
    itself and releases the GIL while scanning, so each ``find`` borrows a detector of its own
    from a pool (making one takes ~0.2 s, so they are kept; the pool grows to the number of
    concurrent ``find`` calls), while the landmark model (~0.7 s to load, ~100 MB) is shared.
    """

    def __init__(self, upsample_times: int = 0) -> None:
        self._idle_detectors = [dlib.get_frontal_face_detector()]
        self._predictor = dlib.shape_predictor(model_path(LANDMARKS_MODEL))
        self._upsample_times = upsample_times

    def find(self, image: Image) -> list[Face]:
        """The faces in a BGR image, boxes clipped to it, in the detector's order."""
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        height, width = gray.shape
        faces = []
        for rectangle, score in self._detect(gray):
            shape = self._predictor(gray, rectangle)
            landmarks = np.array([(point.x, point.y) for point in shape.parts()], np.float64)
            box = (
                max(0, rectangle.left()),
                max(0, rectangle.top()),
                min(width, rectangle.right()),
                min(height, rectangle.bottom()),
            )
            faces.append(Face(box=box, landmarks=landmarks, score=score))
        return faces

    def _detect(self, gray: NDArray[Any]) -> list[tuple[dlib.rectangle, float]]:
        # list.pop and list.append are atomic: no lock needed to lend detectors out.
        try:
            detector = self._idle_detectors.pop()
        except IndexError:
            detector = dlib.get_frontal_face_detector()
        try:
            rectangles, scores, _ = detector.run(gray, self._upsample_times, 0.0)
            return list(zip(rectangles, scores, strict=True))
        finally:
            self._idle_detectors.append(detector)


class FaceEmbedder:
    """dlib's face-embedding ResNet (~60 ms a face on one core): aligns the face by its
    landmarks and returns 128 numbers; Euclidean distance compares two faces. Safe to share
    between threads: one embedding at a time (dlib holds the GIL through it anyway)."""

    def __init__(self) -> None:
        self._model = dlib.face_recognition_model_v1(model_path(EMBEDDING_MODEL))
        self._lock = threading.Lock()

    def embed(self, image: Image, face: Face) -> Embedding:
        """The embedding of ``face``, found in the BGR ``image``."""
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        rectangle = dlib.rectangle(*face.box)
        points = [dlib.point(round(x), round(y)) for x, y in face.landmarks]
        shape = dlib.full_object_detection(rectangle, points)
        with self._lock:
            descriptor = self._model.compute_face_descriptor(rgb, shape)
        return np.array(descriptor, np.float64)


@dataclass(frozen=True)
class FaceModels:
    finder: FaceFinder
    embedder: FaceEmbedder


@functools.cache
def face_models() -> FaceModels:
    """The face models, loaded once per process and shared by its sessions."""
    return FaceModels(FaceFinder(), FaceEmbedder())
