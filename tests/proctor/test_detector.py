"""The object detector end to end: a YOLOv8 trained here (in the vision environment) on
composites of a drawn phone and real book pages in scikit-image's photographs, exported to ONNX,
registered in MLflow, loaded by the proctor as ``champion`` and followed when the alias moves;
and without a detector the objects check says ``unavailable``, never ``ok``.

The training set proves the mechanics, not accuracy on real webcams (docs/proctor.md).
"""

import os
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.model_registry import CHAMPION_ALIAS, champion_version
from pipelines.proctor_detector.synthetic import (
    BOOK,
    PHONE,
    Composite,
    compose,
    iou,
    package_backgrounds,
)
from pipelines.proctor_detector.train import parse_args
from proctor.analysers.objects import ObjectAnalyser, suspicious_detections
from proctor.detector import Detection
from proctor.detector_source import DetectorSource
from proctor.risk import RiskEngine
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, Signal, SignalKind, SignalStatus
from tests.fixtures.detector_training import EPOCHS, TRAINING_THREADS, VISION_PYTHON, Registered

HELD_OUT_FRAMES = 4
# Measured: 4 of 4 phones and 3 of 4 books (the page held over the astronaut's face is missed).
FOUND_AT_LEAST = 3
MODEL = "proctor-detector"

needs_vision_env = pytest.mark.skipif(
    not VISION_PYTHON.is_file(),
    reason=f"{VISION_PYTHON} is missing: `make vision-env` builds it (`make test` does)",
)


def astronaut() -> Image:
    """The learner alone at the desk: scikit-image's portrait at the analysis size."""
    from skimage import data

    return cv2.cvtColor(cv2.resize(data.astronaut(), (320, 240)), cv2.COLOR_RGB2BGR)


def book_scan() -> Image:
    from skimage import data

    return cv2.cvtColor(data.page(), cv2.COLOR_GRAY2BGR)


def held_out_composites(class_index: int) -> list[Composite]:
    """Composites the training set does not hold (seeds it did not use): new views of the
    bundled photographs with a new phone or page in a new place."""
    rng = np.random.default_rng(10_000 + class_index)
    backgrounds, page = package_backgrounds(), book_scan()
    return [
        compose(backgrounds[int(rng.integers(0, len(backgrounds)))], [class_index], page, rng)
        for _ in range(HELD_OUT_FRAMES)
    ]


def frame_of(image: Image, at: float = 0.0) -> Frame:
    return Frame(image=image, at=at, index=round(at * 5))


def started_source(settings: ProctorSettings) -> DetectorSource:
    return DetectorSource(settings).start()


# --- without a detector ----------------------------------------------------------------------


def test_with_no_detector_configured_the_timeline_says_objects_unavailable() -> None:
    analyser = ObjectAnalyser(
        started_source(ProctorSettings(detector_path="", mlflow_tracking_uri=""))
    )
    engine = RiskEngine.from_settings(ProctorSettings())
    for index in range(5):
        (signal,) = analyser.analyse(frame_of(astronaut(), index / 5))
        assert signal.status is SignalStatus.UNAVAILABLE
        assert "no detector configured" in signal.detail["reason"]
        engine.observe([signal])

    timeline = engine.finish(1.0)

    assert timeline.events == []
    assert timeline.availability_notes() == ["objects: unavailable"]


def test_an_unreadable_detector_file_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    not_a_model = tmp_path / "detector.onnx"
    not_a_model.write_bytes(b"not an ONNX model")

    (signal,) = ObjectAnalyser(
        started_source(ProctorSettings(detector_path=str(not_a_model)))
    ).analyse(frame_of(astronaut()))

    assert signal.status is SignalStatus.UNAVAILABLE
    assert str(not_a_model) in signal.detail["reason"]


def test_one_person_is_the_learner_and_a_second_is_an_extra_person() -> None:
    learner = Detection("person", 0.9, (100, 40, 220, 240))
    someone_behind = Detection("person", 0.7, (10, 20, 60, 120))
    phone = Detection("cell phone", 0.8, (230, 150, 260, 210))

    assert suspicious_detections([learner]) == {}
    assert suspicious_detections([learner, phone]) == {SignalKind.OBJECT_PHONE: [phone]}
    assert suspicious_detections([learner, someone_behind]) == {
        SignalKind.EXTRA_PERSON: [learner, someone_behind]
    }


def test_training_takes_every_core_unless_told_otherwise() -> None:
    required = ["--data", "data.yaml", "--work-dir", "work", "--result", "result.json"]
    assert parse_args(required).threads == os.cpu_count()
    assert parse_args([*required, "--threads", "1"]).threads == 1


# --- trained here ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registered(detector_training: Future[Registered]) -> Registered:
    """The pipeline's one run: train in the vision environment, export, register, promote
    (started before the session's first test: tests/fixtures/early.py)."""
    return detector_training.result()


@pytest.fixture
def champion(registered: Registered) -> Iterator[DetectorSource]:
    source = started_source(
        ProctorSettings(mlflow_tracking_uri=registered.tracking_uri, detector_poll_seconds=3600)
    )
    yield source
    source.stop()


def best_overlap(signal: Signal, true_box: tuple[int, int, int, int]) -> float:
    return max(
        iou((left, top, right, bottom), true_box)
        for left, top, right, bottom in signal.detail["boxes"]
    )


def suspicious(signals: list[Signal]) -> dict[SignalKind, Signal]:
    return {
        signal.kind: signal
        for signal in signals
        if signal.status is SignalStatus.SUSPICIOUS and signal.kind is not None
    }


@pytest.mark.slow
@needs_vision_env
def test_the_trained_detector_is_registered_and_promoted_with_its_metrics(
    registered: Registered,
) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(registered.tracking_uri, registry_uri=registered.tracking_uri)
    run = client.get_run(registered.result.run_id)
    run_data = run.data

    assert run.info.status == "FINISHED"

    assert registered.result.version == "1"
    assert champion_version(registered.tracking_uri, MODEL) == "1"
    assert registered.result.promoted
    assert 0 < run_data.metrics["mAP50"] <= 1
    assert run_data.params["epochs"] == str(EPOCHS)
    assert run_data.params["version.ultralytics"].startswith("8.")
    assert run_data.params["threads"] == str(TRAINING_THREADS)
    artifacts = {item.path for item in client.list_artifacts(registered.result.run_id, "detector")}
    assert any(path.endswith(".onnx") for path in artifacts)


@pytest.mark.slow
@needs_vision_env
def test_a_registry_without_a_champion_of_the_model_is_unavailable(
    registered: Registered,
) -> None:
    source = started_source(
        ProctorSettings(
            mlflow_tracking_uri=registered.tracking_uri, detector_model_name="another-detector"
        )
    )

    (signal,) = ObjectAnalyser(source).analyse(frame_of(astronaut()))
    source.stop()

    assert signal.status is SignalStatus.UNAVAILABLE
    assert signal.detail["reason"] == "no `champion` version of another-detector yet"


@pytest.mark.slow
@needs_vision_env
@pytest.mark.parametrize(
    ("class_index", "kind"), [(PHONE, SignalKind.OBJECT_PHONE), (BOOK, SignalKind.OBJECT_BOOK)]
)
def test_the_champion_finds_the_composited_object_in_held_out_frames(
    champion: DetectorSource, class_index: int, kind: SignalKind
) -> None:
    assert champion.state.origin == f"models:/{MODEL}/1"
    analyser = ObjectAnalyser(champion)
    found = 0
    for composite in held_out_composites(class_index):
        ((_, true_box),) = composite.objects

        seen = suspicious(analyser.analyse(frame_of(composite.image)))

        assert set(seen) <= {kind}, "the other object, or a second person, where there is none"
        if kind in seen:
            assert min(seen[kind].detail["confidences"]) >= 0.5
            found += best_overlap(seen[kind], true_box) >= 0.5
    assert found >= FOUND_AT_LEAST


@pytest.mark.slow
@needs_vision_env
def test_a_phone_held_up_for_a_second_is_an_object_phone_event(champion: DetectorSource) -> None:
    analyser = ObjectAnalyser(champion)
    phone = next(
        composite.image
        for composite in held_out_composites(PHONE)
        if SignalKind.OBJECT_PHONE in suspicious(analyser.analyse(frame_of(composite.image)))
    )
    learner_alone = astronaut()
    engine = RiskEngine.from_settings(ProctorSettings())
    for index in range(10):  # 2 s at 5 frames/s; the phone from 0.4 s until 1.4 s
        image = phone if 2 <= index < 7 else learner_alone
        engine.observe(analyser.analyse(frame_of(image, index / 5)))

    timeline = engine.finish(2.0)

    assert [(event.kind, event.started_at, event.ended_at) for event in timeline.events] == [
        (SignalKind.OBJECT_PHONE, pytest.approx(0.4), pytest.approx(1.4))
    ]
    assert timeline.availability_notes() == ["objects: available"]


@pytest.mark.slow
@needs_vision_env
def test_a_moved_champion_alias_is_loaded(registered: Registered, champion: DetectorSource) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(registered.tracking_uri, registry_uri=registered.tracking_uri)
    first = client.get_model_version(MODEL, registered.result.version)
    second = client.create_model_version(MODEL, source=first.source, run_id=first.run_id)
    assert champion.refresh() is False  # registered, but the alias has not moved

    client.set_registered_model_alias(MODEL, CHAMPION_ALIAS, second.version)

    assert champion.refresh() is True
    assert champion.state.origin == f"models:/{MODEL}/{second.version}"
    assert champion.state.detector is not None
