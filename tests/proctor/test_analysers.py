"""The frame analysers on staged frames of real portraits, with dlib's bundled models."""

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pytest

from proctor.analysers.base import Analyser
from proctor.analysers.identity import IdentityAnalyser, enrolment_embedding
from proctor.analysers.motion import MotionAnalyser
from proctor.analysers.pose import PoseAnalyser
from proctor.analysers.presence import PresenceAnalyser
from proctor.errors import EnrolmentManyFaces, EnrolmentNoFace, EnrolmentRejected
from proctor.faces import Embedding, FaceEmbedder, FaceFinder
from proctor.frames import resize_for_analysis
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, Signal, SignalKind, SignalStatus
from proctor.staging import portraits

# A turn of the picture plane that reads as ~40° of yaw (a 35° turn reads ~22°, under the
# default 30° limit; beyond ~55° the frontal detector loses the face).
LOOKING_AWAY_TURN = 50.0


@pytest.fixture(scope="module")
def finder() -> FaceFinder:
    return FaceFinder()


@pytest.fixture(scope="module")
def embedder() -> FaceEmbedder:
    return FaceEmbedder()


@pytest.fixture(scope="module")
def astronaut_enrolment(finder: FaceFinder, embedder: FaceEmbedder) -> Embedding:
    return enrolment_embedding(portraits.astronaut_photo(), finder, embedder)


@pytest.fixture
def settings() -> ProctorSettings:
    return ProctorSettings(_env_file=None)


def frame_of(finder: FaceFinder, image: Image, at: float = 0.0, index: int = 0) -> Frame:
    """A sampled frame as the pipeline hands it over: faces found once."""
    return Frame(image=image, at=at, index=index, faces=finder.find(image))


def only(signals: list[Signal]) -> Signal:
    assert len(signals) == 1, signals
    return signals[0]


@pytest.mark.parametrize(
    "stage", [portraits.astronaut_frame, portraits.grace_hopper_frame], ids=["astronaut", "hopper"]
)
def test_one_face_is_present_in_each_portrait(
    finder: FaceFinder, stage: Callable[[], Image]
) -> None:
    frame = frame_of(finder, stage())
    signal = only(PresenceAnalyser().analyse(frame))
    assert (signal.status, signal.value) == (SignalStatus.OK, 1)
    left, top, right, bottom = frame.faces[0].box
    assert frame.faces[0].landmarks.shape == (68, 2)
    assert 60 <= right - left <= 160 and 0 <= top < bottom <= portraits.FRAME_HEIGHT


def test_a_blank_frame_has_no_face(finder: FaceFinder) -> None:
    signal = only(PresenceAnalyser().analyse(frame_of(finder, portraits.blank_frame())))
    assert (signal.status, signal.kind, signal.value) == (
        SignalStatus.SUSPICIOUS,
        SignalKind.FACE_ABSENT,
        0,
    )


def test_two_faces_side_by_side_are_counted(finder: FaceFinder) -> None:
    signal = only(PresenceAnalyser().analyse(frame_of(finder, portraits.two_faces_frame())))
    assert (signal.status, signal.kind, signal.value) == (
        SignalStatus.SUSPICIOUS,
        SignalKind.MULTIPLE_FACES,
        2,
    )


def test_the_astronaut_faces_the_camera(finder: FaceFinder, settings: ProctorSettings) -> None:
    # Measured: yaw ≈ 2°, pitch ≈ -10° (the generic face model reads her slightly down), roll ≈ 3°.
    signal = only(PoseAnalyser(settings).analyse(frame_of(finder, portraits.astronaut_frame())))
    assert (signal.status, signal.kind) == (SignalStatus.OK, SignalKind.LOOKING_AWAY)
    assert abs(signal.detail["yaw"]) < 10
    assert abs(signal.detail["pitch"]) < 15
    assert abs(signal.detail["roll"]) < 10


def test_a_turned_face_looks_away_and_its_mirror_turns_the_other_way(
    finder: FaceFinder, settings: ProctorSettings
) -> None:
    turned = portraits.turned(portraits.astronaut_frame(), LOOKING_AWAY_TURN)
    analyser = PoseAnalyser(settings)
    towards_right = only(analyser.analyse(frame_of(finder, turned)))
    towards_left = only(analyser.analyse(frame_of(finder, portraits.mirrored(turned))))
    assert towards_right.status == towards_left.status == SignalStatus.SUSPICIOUS
    assert towards_right.detail["yaw"] > settings.looking_away_degrees
    assert towards_left.detail["yaw"] < -settings.looking_away_degrees
    assert towards_right.value == abs(towards_right.detail["yaw"])


def test_roll_follows_a_tilted_head(finder: FaceFinder, settings: ProctorSettings) -> None:
    upright = only(PoseAnalyser(settings).analyse(frame_of(finder, portraits.astronaut_frame())))
    tilted_frame = portraits.rotated(portraits.astronaut_frame(), 20)
    tilted = only(PoseAnalyser(settings).analyse(frame_of(finder, tilted_frame)))
    # Counter-clockwise in the image is negative roll.
    assert tilted.detail["roll"] - upright.detail["roll"] == pytest.approx(-20, abs=5)


@pytest.mark.parametrize(
    ("stage", "reason"),
    [(portraits.blank_frame, "0 faces"), (portraits.two_faces_frame, "2 faces")],
    ids=["none", "two"],
)
def test_pose_is_unavailable_without_exactly_one_face(
    finder: FaceFinder, settings: ProctorSettings, stage: Callable[[], Image], reason: str
) -> None:
    signal = only(PoseAnalyser(settings).analyse(frame_of(finder, stage())))
    assert signal.status == SignalStatus.UNAVAILABLE
    assert signal.detail["reason"].startswith(reason)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (portraits.astronaut_frame, SignalStatus.OK),
        (lambda: portraits.mirrored(portraits.astronaut_frame()), SignalStatus.OK),
        (portraits.grace_hopper_frame, SignalStatus.SUSPICIOUS),
    ],
    ids=["herself", "her-mirror", "someone-else"],
)
def test_identity_against_the_astronauts_enrolment(
    finder: FaceFinder,
    embedder: FaceEmbedder,
    astronaut_enrolment: Embedding,
    settings: ProctorSettings,
    stage: Callable[[], Image],
    expected: SignalStatus,
) -> None:
    # Measured: herself ≈ 0.08, her mirror ≈ 0.2, Grace Hopper ≈ 0.68 (limit 0.6).
    analyser = IdentityAnalyser(settings, embedder, astronaut_enrolment)
    signal = only(analyser.analyse(frame_of(finder, stage())))
    assert (signal.status, signal.kind) == (expected, SignalKind.IDENTITY_MISMATCH)
    assert signal.value is not None
    assert (signal.value > settings.identity_max_distance) == (expected == SignalStatus.SUSPICIOUS)


def test_identity_against_grace_hoppers_enrolment(
    finder: FaceFinder, embedder: FaceEmbedder, settings: ProctorSettings
) -> None:
    enrolment = enrolment_embedding(portraits.grace_hopper_photo(), finder, embedder)
    herself, someone_else = (
        only(IdentityAnalyser(settings, embedder, enrolment).analyse(frame_of(finder, picture)))
        for picture in (portraits.grace_hopper_frame(), portraits.astronaut_frame())
    )
    assert herself.status == SignalStatus.OK
    assert someone_else.status == SignalStatus.SUSPICIOUS


def identity_checks(
    analyser: IdentityAnalyser, timeline: list[tuple[float, Frame]]
) -> dict[float, Signal]:
    """The identity signals of a staged timeline of (media time, picture), by media time."""
    checks = {}
    for index, (at, picture) in enumerate(timeline):
        frame = dataclasses.replace(picture, at=at, index=index)
        checks.update({signal.at: signal for signal in analyser.analyse(frame)})
    return checks


def test_identity_is_checked_at_start_at_its_cadence_and_when_a_face_reappears(
    finder: FaceFinder,
    embedder: FaceEmbedder,
    astronaut_enrolment: Embedding,
    settings: ProctorSettings,
) -> None:
    face = frame_of(finder, portraits.astronaut_frame())
    blank = frame_of(finder, portraits.blank_frame())
    times = [round(0.2 * step, 1) for step in range(25)]  # 0.0 … 4.8 s at 5 frames/s
    timeline = [(at, blank if 3.6 <= at < 4.2 else face) for at in times]
    analyser = IdentityAnalyser(settings, embedder, astronaut_enrolment)
    checks = identity_checks(analyser, timeline)
    # At the start, 3 s later, and at once when the face came back after 0.6 s away.
    assert sorted(checks) == [0.0, 3.0, 4.2]
    assert {signal.status for signal in checks.values()} == {SignalStatus.OK}


def test_an_identity_check_that_met_two_faces_is_repeated_when_one_is_left(
    finder: FaceFinder,
    embedder: FaceEmbedder,
    astronaut_enrolment: Embedding,
    settings: ProctorSettings,
) -> None:
    pair = frame_of(finder, portraits.two_faces_frame())
    face = frame_of(finder, portraits.astronaut_frame())
    timeline = [(0.0, pair), (0.2, pair), (0.4, face), (0.6, face)]
    analyser = IdentityAnalyser(settings, embedder, astronaut_enrolment)
    checks = identity_checks(analyser, timeline)
    assert sorted(checks) == [0.0, 0.4]
    assert checks[0.0].status == SignalStatus.UNAVAILABLE
    assert checks[0.4].status == SignalStatus.OK


def test_identity_is_unavailable_without_an_enrolment(
    finder: FaceFinder, embedder: FaceEmbedder, settings: ProctorSettings
) -> None:
    analyser = IdentityAnalyser(settings, embedder, enrolment=None)
    signal = only(analyser.analyse(frame_of(finder, portraits.astronaut_frame())))
    assert signal.status == SignalStatus.UNAVAILABLE
    assert signal.detail == {"reason": "no enrolment"}


def test_a_large_enrolment_photo_is_scaled_down_and_still_enrols(
    finder: FaceFinder, embedder: FaceEmbedder, astronaut_enrolment: Embedding
) -> None:
    large = resize_for_analysis(portraits.astronaut_photo(), 1536)
    embedding = enrolment_embedding(large, finder, embedder)
    assert embedding.shape == (128,)
    assert np.linalg.norm(embedding - astronaut_enrolment) < 0.2


@pytest.mark.parametrize(
    ("photo", "error", "code"),
    [
        (portraits.blank_frame, EnrolmentNoFace, "enrolment_no_face"),
        (portraits.two_faces_frame, EnrolmentManyFaces, "enrolment_many_faces"),
    ],
    ids=["no-face", "two-faces"],
)
def test_an_enrolment_photo_needs_exactly_one_face(
    finder: FaceFinder,
    embedder: FaceEmbedder,
    photo: Callable[[], Image],
    error: type[EnrolmentRejected],
    code: str,
) -> None:
    with pytest.raises(error) as raised:
        enrolment_embedding(photo(), finder, embedder)
    assert raised.value.code == code
    assert raised.value.status_code == 422


def motion_over(
    finder: FaceFinder, settings: ProctorSettings, pictures: list[Image]
) -> list[Signal]:
    analyser = MotionAnalyser(settings)
    frames = [
        frame_of(finder, image, at=0.2 * index, index=index) for index, image in enumerate(pictures)
    ]
    return [only(analyser.analyse(frame)) for frame in frames]


def test_motion_stays_calm_while_the_face_is_steady(
    finder: FaceFinder, settings: ProctorSettings
) -> None:
    face = portraits.astronaut_frame()
    pictures = [portraits.with_sensor_noise(face, seed) for seed in range(4)]
    first, *rest = motion_over(finder, settings, pictures)
    assert first.status == SignalStatus.UNAVAILABLE
    assert all(signal.status == SignalStatus.OK for signal in rest)
    assert max(signal.value or 0 for signal in rest) < 0.01


def test_motion_flags_a_face_leaving_but_not_a_person_changing_places(
    finder: FaceFinder, settings: ProctorSettings
) -> None:
    face = portraits.astronaut_frame()
    pictures = [face, portraits.blank_frame(), face, portraits.grace_hopper_frame()]
    _, leaving, _, replaced = motion_over(finder, settings, pictures)
    assert (leaving.status, leaving.kind) == (SignalStatus.SUSPICIOUS, SignalKind.LEFT_SEAT)
    # A big change with a face still in the picture is someone moving, not an empty seat.
    assert replaced.value is not None and replaced.value > settings.motion_threshold
    assert replaced.status == SignalStatus.OK


def test_analysers_cost_per_frame_at_320_px(
    finder: FaceFinder,
    embedder: FaceEmbedder,
    astronaut_enrolment: Embedding,
    settings: ProctorSettings,
) -> None:
    face = portraits.astronaut_frame()
    pictures = [portraits.with_sensor_noise(face, seed) for seed in range(20)]
    analysers: dict[str, Analyser] = {
        "presence": PresenceAnalyser(),
        "pose": PoseAnalyser(settings),
        "identity": IdentityAnalyser(settings, embedder, astronaut_enrolment),
        "motion": MotionAnalyser(settings),
    }
    seconds = dict.fromkeys(["faces", *analysers], 0.0)
    signals: dict[str, list[Signal]] = {name: [] for name in analysers}
    for index, image in enumerate(pictures):
        started = time.perf_counter()
        frame = frame_of(finder, image, at=index / settings.frames_per_second, index=index)
        seconds["faces"] += time.perf_counter() - started
        for name, analyser in analysers.items():
            started = time.perf_counter()
            signals[name] += analyser.analyse(frame)
            seconds[name] += time.perf_counter() - started
    # 20 frames at 5 frames/s span 3.8 s: identity checks at 0 s and 3 s, the others every frame.
    assert [len(signals[name]) for name in analysers] == [20, 20, 2, 20]
    statuses = {signal.status for found in signals.values() for signal in found}
    assert SignalStatus.SUSPICIOUS not in statuses
    per_frame = {name: 1000 * total / len(pictures) for name, total in seconds.items()}
    per_check = 1000 * seconds["identity"] / len(signals["identity"])
    frames_per_check = settings.identity_every_seconds * settings.frames_per_second
    print(
        f"\nms per frame at 320 px over {len(pictures)} frames: "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in per_frame.items() if name != "identity")
        + f"; identity {per_check:.1f} per check, {per_check / frames_per_check:.2f} per frame"
        f" at one check every {frames_per_check:g} frames"
    )
