"""Evidence keyframes from real portraits: bounded JPEGs, saved through a real sink, capped per
event as the risk engine asks for them."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from matplotlib import cbook
from skimage import data

from proctor.evidence import DirectoryEvidenceSink, KeyframeWriter, encode_keyframe
from proctor.risk import EvidenceReason, RiskEngine
from proctor.rules import default_rules
from proctor.settings import ProctorSettings
from proctor.signals import Image, Signal, SignalKind, SignalStatus

SETTINGS = ProctorSettings(evidence_jpeg_quality=80, evidence_max_bytes=60_000)


def astronaut(width: int = 320) -> Image:
    """scikit-image's astronaut portrait (RGB) as OpenCV reads frames (BGR), ``width`` wide."""
    portrait = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return cv2.resize(portrait, (width, width), interpolation=cv2.INTER_AREA)


def grace_hopper() -> Image:
    """matplotlib's Grace Hopper portrait (another person), 512 × 600, BGR."""
    return as_image(cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))))


def decode(jpeg: bytes) -> Image:
    return as_image(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))


def as_image(read: np.ndarray | None) -> Image:
    assert read is not None, "OpenCV could not read the picture"
    return read.astype(np.uint8, copy=False)


def psnr(original: Image, decoded: Image) -> float:
    return float(cv2.PSNR(original, decoded))


@pytest.mark.parametrize("frame", [astronaut(), grace_hopper()], ids=["astronaut", "hopper"])
def test_a_keyframe_decodes_to_the_frame_at_its_size_under_the_byte_cap(frame: Image) -> None:
    jpeg = encode_keyframe(
        frame, quality=SETTINGS.evidence_jpeg_quality, max_bytes=SETTINGS.evidence_max_bytes
    )

    decoded = decode(jpeg)
    assert jpeg[:2] == b"\xff\xd8"
    assert decoded.shape == frame.shape
    assert len(jpeg) <= SETTINGS.evidence_max_bytes
    assert psnr(frame, decoded) > 30


def test_over_the_cap_the_quality_drops_before_the_size() -> None:
    frame = grace_hopper()
    full_quality = encode_keyframe(frame, quality=80, max_bytes=10**6)

    jpeg = encode_keyframe(frame, quality=80, max_bytes=len(full_quality) - 1)

    assert len(jpeg) < len(full_quality)
    assert decode(jpeg).shape == frame.shape
    assert psnr(frame, decode(jpeg)) < psnr(frame, decode(full_quality))


def test_a_cap_too_small_for_any_quality_halves_the_size_and_keeps_the_shape() -> None:
    frame = grace_hopper()  # 512 × 600

    jpeg = encode_keyframe(frame, quality=80, max_bytes=5_000)

    height, width = decode(jpeg).shape[:2]
    assert len(jpeg) <= 5_000
    assert width < 512 and 512 % width == 0
    assert (height, width) == (600 * width // 512, width)


def test_a_cap_no_jpeg_can_meet_is_refused() -> None:
    with pytest.raises(ValueError, match="fits in 300 bytes"):
        encode_keyframe(astronaut(), quality=80, max_bytes=300)


@pytest.mark.parametrize("max_keyframes", [1, 3])
async def test_keyframes_of_one_event_stop_at_the_cap_and_are_saved_under_random_keys(
    tmp_path: Path, max_keyframes: int
) -> None:
    rules = dict(default_rules(SETTINGS))
    looking_away = rules[SignalKind.LOOKING_AWAY]
    rules[SignalKind.LOOKING_AWAY] = looking_away.model_copy(
        update={"max_keyframes": max_keyframes}
    )
    engine = RiskEngine(rules)
    writer = KeyframeWriter.from_settings(DirectoryEvidenceSink(tmp_path), SETTINGS)
    frame = astronaut()
    asked = []
    for step in range(300):  # 60 s at 5 fps, the head turning from 31° to 90°: four new peaks
        at, yaw = step / 5, min(90.0, 31.0 + step / 3)
        turned = Signal(
            analyser="pose",
            at=at,
            status=SignalStatus.SUSPICIOUS,
            kind=SignalKind.LOOKING_AWAY,
            value=yaw,
        )
        for request in engine.observe([turned]):
            asked.append(request)
            engine.attach_evidence(request.event_id, await writer.save(frame, request))

    [event] = engine.finish(60.0).events

    assert [request.reason for request in asked] == [
        EvidenceReason.OPENED,
        *[EvidenceReason.PEAK] * (max_keyframes - 1),
    ]
    assert len(set(event.evidence_keys)) == max_keyframes
    for key in event.evidence_keys:
        assert len(key) >= 32  # 24 random bytes, URL-safe
        assert decode((tmp_path / key).read_bytes()).shape == frame.shape
    with pytest.raises(ValueError, match=f"already has its {max_keyframes} keyframes"):
        engine.attach_evidence(event.id, "one-more")
