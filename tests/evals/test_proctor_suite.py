"""The ``proctor`` eval suite: its staged clips through the proctor's own session, logged by the
runner to a sqlite MLflow store; and the agreement rules on timelines written by hand."""

import json
from pathlib import Path
from typing import Any

import pytest

from evals.runner import EXAMPLES_ARTIFACT, SuiteRun, run_suite
from evals.suite import SuiteContext
from evals.suites.proctor import SUITE
from evals.suites.proctor.dataset import CLIPS, StagedEvent, load
from evals.suites.proctor.scorer import OBJECT_KINDS, TOLERANCE_SECONDS, agreement
from proctor.signals import SignalKind
from proctor.staging import videos
from proctor.timeline import Event, Severity, Timeline

# The first four clips: clean, an absence, two people (one event only a detector can judge),
# a glance aside too short to be looking away. ~2 s of CPU each.
LIMIT = 4


@pytest.fixture(scope="module")
async def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteRun, Any, Path]:
    """One run of the suite's first clips, with no detector configured, and its MLflow store."""
    from mlflow import MlflowClient

    root = tmp_path_factory.mktemp("proctor-suite")
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # MLflow keeps a sqlite store's artifacts under ./mlruns; no .env here
        for name in ("WC_PROCTOR_DETECTOR_PATH", "WC_PROCTOR_MLFLOW_TRACKING_URI"):
            patch.delenv(name, raising=False)
        context = SuiteContext(books_dir=root, llm=None)
        run = await run_suite(SUITE, context, tracking_uri, target="in-process", limit=LIMIT)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    return run, client, root


def test_the_run_is_logged_with_intervals_and_its_examples(
    logged: tuple[SuiteRun, Any, Path],
) -> None:
    run, client, root = logged
    stored = client.get_run(run.run_id)
    metrics, params = stored.data.metrics, stored.data.params

    assert stored.info.status == "FINISHED"
    assert params["suite"] == "proctor" and params["suite_version"] == SUITE.version
    assert params["limit"] == str(LIMIT)
    artefact = client.download_artifacts(run.run_id, EXAMPLES_ARTIFACT, str(root))
    examples = json.loads(Path(artefact).read_text())["examples"]
    assert [e["example_id"] for e in examples] == [clip.name for clip in CLIPS[:LIMIT]]
    for metric in SUITE.thresholds.metrics:
        values = [e["scores"][metric.name] for e in examples if metric.name in e["scores"]]
        assert metrics[metric.name] == pytest.approx(sum(values) / len(values))
        assert metrics[f"{metric.name}.ci_low"] <= metrics[metric.name]
        assert metrics[metric.name] <= metrics[f"{metric.name}.ci_high"]
        assert metrics[f"{metric.name}.n"] == len(values)
    # Recall only where something is staged: the two clean clips have none.
    assert metrics["event_recall.n"] == LIMIT - 2


def test_a_staged_absence_is_found_and_clean_clips_raise_nothing(
    logged: tuple[SuiteRun, Any, Path],
) -> None:
    run, _, _ = logged
    by_name = {example.example_id: example for example in run.examples}

    absent = by_name["absent"]
    assert absent.scores["event_recall"] == 1.0 and absent.scores["false_alarm"] == 0.0
    (found,) = absent.record["found"]
    assert found.startswith("face_absent 2.")
    for clean in ("steady", "glance_aside"):
        assert "event_recall" not in by_name[clean].scores
        assert by_name[clean].scores["false_alarm"] == 0.0
        assert by_name[clean].record["found"] == by_name[clean].record["false_alarms"] == []
    assert run.estimates["false_alarm"].mean == 0.0


def test_without_detector_weights_the_object_check_is_unavailable_not_a_pass(
    logged: tuple[SuiteRun, Any, Path],
) -> None:
    run, _, _ = logged
    two_faces = next(example for example in run.examples if example.example_id == "two_faces")

    # The second face is found; the second person, which only a detector sees, is not scored.
    assert two_faces.record["found"] == ["multiple_faces 1.0–4.0 s"]
    (unscored,) = two_faces.record["unscored"]
    assert unscored.startswith("extra_person")
    assert two_faces.scores["event_recall"] == 1.0
    assert all(example.scores["object_check"] == 0.0 for example in run.examples)
    assert "objects: unavailable (no detector configured" in two_faces.record["objects"]
    assert run.passed["object_check"] is False and not run.all_passed
    assert run.passed["event_recall"] and run.passed["false_alarm"]


def event(kind: SignalKind, started_at: float, ended_at: float | None) -> Event:
    return Event(
        id=f"{kind}-{started_at}",
        kind=kind,
        analyser="presence",
        started_at=started_at,
        ended_at=ended_at,
        severity=Severity.LOW,
        signal_count=1,
    )


EVERY_KIND = frozenset(SignalKind)
ABSENT = StagedEvent(SignalKind.FACE_ABSENT, 2.0, 7.0)


def test_an_event_too_far_from_its_staging_is_a_miss_and_a_false_alarm() -> None:
    late = event(SignalKind.FACE_ABSENT, 2.0 + TOLERANCE_SECONDS + 0.2, 7.0)
    result = agreement([ABSENT], Timeline(events=[late], finished_at=9.0), EVERY_KIND)
    assert result.found == [] and result.missed == [ABSENT] and result.unstaged == [late]
    assert result.recall == 0.0


def test_one_event_answers_one_staging_and_an_open_one_ends_with_the_session() -> None:
    near = StagedEvent(SignalKind.FACE_ABSENT, 2.4, 7.3)
    raised = event(SignalKind.FACE_ABSENT, 2.1, 7.0)
    result = agreement([near, ABSENT], Timeline(events=[raised], finished_at=9.0), EVERY_KIND)
    # Both stagings agree with it; it answers the nearer one.
    assert result.found == [(ABSENT, raised)] and result.missed == [near]
    assert result.recall == 0.5 and result.unstaged == []

    later = StagedEvent(SignalKind.FACE_ABSENT, 2.5, 8.5)
    still_open = event(SignalKind.FACE_ABSENT, 2.2, None)
    result = agreement([ABSENT, later], Timeline(events=[still_open], finished_at=8.9), EVERY_KIND)
    # Ending with the session at 8.9 s, it agrees with the staging that ends at 8.5 s.
    assert result.found == [(later, still_open)] and result.missed == [ABSENT]


def test_a_kind_the_proctor_cannot_judge_is_unscored_and_a_wrong_kind_is_a_false_alarm() -> None:
    phone = StagedEvent(SignalKind.OBJECT_PHONE, 1.0, 3.0)
    looking = event(SignalKind.LOOKING_AWAY, 2.0, 7.0)
    result = agreement([phone, ABSENT], Timeline(events=[looking]), EVERY_KIND - OBJECT_KINDS)
    assert result.unscored == [phone] and result.missed == [ABSENT]
    assert result.unstaged == [looking]
    clean = agreement([phone], Timeline(), EVERY_KIND - OBJECT_KINDS)
    assert clean.recall is None  # nothing to score: no recall rather than a perfect one


def test_the_dataset_is_a_fixed_ordered_set_of_clips_with_staged_events_inside_them() -> None:
    names = [clip.name for clip in CLIPS]
    assert len(set(names)) == len(names)
    assert load(3, seed=0) == list(CLIPS[:3]) == load(3, seed=7)
    assert load(None, seed=0) == list(CLIPS)
    assert SUITE.questions(Path()) == [] and not SUITE.needs_llm
    assert sum(clip.clean for clip in CLIPS) >= 5  # near misses included
    for clip in CLIPS:
        seconds = sum(scene.seconds for scene in videos.STAGES[clip.stage]())
        last_frame_at = seconds - 1 / videos.FPS
        for staged in clip.events:
            assert 0 <= staged.started_at < staged.ended_at <= last_frame_at, clip.name
