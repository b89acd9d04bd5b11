"""What the analysers report about one frame (or one client event), and the frames they read."""

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

Image = NDArray[np.uint8]  # BGR, height × width × 3, as OpenCV reads it


class SignalStatus(enum.StrEnum):
    """``ok``: the analyser judged and saw nothing wrong. ``suspicious``: it saw what its kind
    names. ``unavailable``: it could not judge (no model, no face to judge) — never read as ok."""

    OK = "ok"
    SUSPICIOUS = "suspicious"
    UNAVAILABLE = "unavailable"


class SignalKind(enum.StrEnum):
    """What a suspicious signal says; the risk engine turns runs of one kind into one event."""

    FACE_ABSENT = "face_absent"
    MULTIPLE_FACES = "multiple_faces"
    LOOKING_AWAY = "looking_away"
    IDENTITY_MISMATCH = "identity_mismatch"
    LEFT_SEAT = "left_seat"
    OBJECT_PHONE = "object_phone"
    OBJECT_BOOK = "object_book"
    EXTRA_PERSON = "extra_person"
    TAB_HIDDEN = "tab_hidden"
    WINDOW_BLUR = "window_blur"
    FULLSCREEN_EXIT = "fullscreen_exit"
    COPY_PASTE = "copy_paste"
    SECOND_SCREEN = "second_screen"
    STREAM_LOST = "stream_lost"


class Signal(BaseModel):
    """One analyser's reading at one moment of the session (``at``: seconds of media time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    analyser: str
    at: float = Field(ge=0)
    status: SignalStatus
    kind: SignalKind | None = Field(
        None, description="What was seen, when suspicious; the kind watched otherwise."
    )
    value: float | None = Field(None, description="The measurement behind it (count, angle…).")
    detail: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Face:
    """A face found in a frame: its box (left, top, right, bottom) in analysis pixels, its 68
    landmarks (x, y), which pose and identity read, and the detector's confidence (dlib's HOG
    score: a clear frontal face scores ~1–2, a turned one or a false find near 0)."""

    box: tuple[int, int, int, int]
    landmarks: NDArray[np.float64]
    score: float

    @property
    def area(self) -> int:
        left, top, right, bottom = self.box
        return max(0, right - left) * max(0, bottom - top)


@dataclass
class Frame:
    """One sampled frame at analysis size, with the faces found in it (found once per frame by
    ``proctor.faces.FaceFinder`` and shared by every analyser that needs them)."""

    image: Image
    at: float
    index: int
    faces: list[Face] = field(default_factory=list)
