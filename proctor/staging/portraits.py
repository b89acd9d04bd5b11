"""Staged webcam frames built from real portraits that ship in packages: scikit-image's
astronaut (Eileen Collins) and matplotlib's Grace Hopper, a second, different person.

Every frame is BGR and FRAME_WIDTH × FRAME_HEIGHT (a 4:3 webcam picture at analysis size), so
videos can cut between them. Faces are framed as a laptop webcam frames them (a quarter of the
width or more): the detector finds faces from ~70 px wide at this size.
"""

import importlib
from functools import cache
from types import ModuleType
from typing import Any

import cv2
import numpy as np

from proctor.signals import Image

FRAME_WIDTH = 320
FRAME_HEIGHT = 240


def as_image(picture: Any) -> Image:
    """OpenCV's result as the 8-bit picture it is (its stubs type results as any array)."""
    assert picture is not None and picture.dtype == np.uint8
    return np.asarray(picture, np.uint8)


def _package_module(name: str) -> ModuleType:
    """``skimage.data`` or ``matplotlib.cbook``, imported when a picture is first made: a
    serving-only install need not have them to import this package."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "staged webcam pictures are made from the sample portraits of scikit-image and "
            f"matplotlib ({error.name} is missing): pip install scikit-image matplotlib"
        ) from error


@cache
def _astronaut() -> Image:
    astronaut = _package_module("skimage.data").astronaut()
    return as_image(cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))


@cache
def _grace_hopper() -> Image:
    cbook = _package_module("matplotlib.cbook")
    return as_image(cv2.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


def _crop(
    image: Image, centre: tuple[int, int], size: tuple[int, int], out: tuple[int, int]
) -> Image:
    """The ``size`` (width, height) region around ``centre``, shifted inside the picture,
    scaled to ``out`` (width, height)."""
    (x, y), (width, height) = centre, size
    left = min(max(0, x - width // 2), image.shape[1] - width)
    top = min(max(0, y - height // 2), image.shape[0] - height)
    region = image[top : top + height, left : left + width]
    return as_image(cv2.resize(region, out, interpolation=cv2.INTER_AREA))


# Face centres and widths in the original pictures (dlib's boxes, measured once).
ASTRONAUT_FACE = ((220, 130), 115)
GRACE_HOPPER_FACE = ((270, 250), 200)


def _framed(
    image: Image, face: tuple[tuple[int, int], int], face_share: float, out: tuple[int, int]
) -> Image:
    """``image`` cropped around the face so that it fills ``face_share`` of the width."""
    centre, face_width = face
    width = min(image.shape[1], round(face_width / face_share))
    height = min(image.shape[0], round(width * out[1] / out[0]))
    width = round(height * out[0] / out[1])
    return _crop(image, centre, (width, height), out)


def astronaut_photo() -> Image:
    """The whole astronaut portrait (512 × 512), as an enrolment photo."""
    return _astronaut().copy()


def grace_hopper_photo() -> Image:
    """The whole Grace Hopper portrait (512 × 600), as an enrolment photo."""
    return _grace_hopper().copy()


def astronaut_frame() -> Image:
    """The astronaut at her webcam, face steady and about frontal."""
    return _framed(_astronaut(), ASTRONAUT_FACE, 0.33, (FRAME_WIDTH, FRAME_HEIGHT))


def grace_hopper_frame() -> Image:
    """The other person at the same webcam."""
    return _framed(_grace_hopper(), GRACE_HOPPER_FACE, 0.4, (FRAME_WIDTH, FRAME_HEIGHT))


@cache
def _coffee() -> Image:
    return as_image(cv2.cvtColor(_package_module("skimage.data").coffee(), cv2.COLOR_RGB2BGR))


def empty_scene_frame() -> Image:
    """The camera's view with nobody in it: scikit-image's coffee cup on a table (no face)."""
    return as_image(
        cv2.resize(_coffee(), (FRAME_WIDTH, FRAME_HEIGHT), interpolation=cv2.INTER_AREA)
    )


def blank_frame() -> Image:
    """A uniform grey frame: a covered camera, or a stream with no picture."""
    return np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 128, np.uint8)


def two_faces_frame() -> Image:
    """The astronaut and Grace Hopper side by side, each in half the frame."""
    half = (FRAME_WIDTH // 2, FRAME_HEIGHT)
    left = _framed(_astronaut(), ASTRONAUT_FACE, 0.5, half)
    right = _framed(_grace_hopper(), GRACE_HOPPER_FACE, 0.5, half)
    return np.hstack([left, right])


def mirrored(frame: Image) -> Image:
    """``frame`` flipped left to right, as a selfie preview shows it."""
    return as_image(cv2.flip(frame, 1))


def turned(frame: Image, degrees: float) -> Image:
    """``frame`` as a picture turned ``degrees`` about its vertical centre line and seen by a
    camera whose focal length is the frame's width: positive degrees push the right half away,
    so the face points to the image's right."""
    height, width = frame.shape[:2]
    angle = np.radians(degrees)
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    across, down = corners[:, 0] - width / 2, corners[:, 1] - height / 2
    scale = width / (width + across * np.sin(angle))  # farther is smaller
    warped_corners = np.stack(
        [width / 2 + across * np.cos(angle) * scale, height / 2 + down * scale], axis=1
    )
    homography = cv2.getPerspectiveTransform(corners, warped_corners.astype(np.float32))
    return as_image(
        cv2.warpPerspective(frame, homography, (width, height), borderMode=cv2.BORDER_REPLICATE)
    )


def rotated(frame: Image, degrees: float) -> Image:
    """``frame`` rotated ``degrees`` counter-clockwise about its centre (a tilted head)."""
    height, width = frame.shape[:2]
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return as_image(
        cv2.warpAffine(frame, rotation, (width, height), borderMode=cv2.BORDER_REPLICATE)
    )


def with_sensor_noise(frame: Image, seed: int, sigma: float = 3.0) -> Image:
    """``frame`` with the Gaussian noise a webcam sensor adds to every picture."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)
