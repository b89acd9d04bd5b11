"""A proctoring session on staged webcam videos of real portraits: from the file through
``ProctorSession``, the same file through ``wc proctor analyse --json``, and live over aiortc."""

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from platform_api.cli import app
from proctor.analysers.identity import enrolment_embedding
from proctor.evidence import DirectoryEvidenceSink, KeyframeWriter
from proctor.faces import Embedding, face_models
from proctor.ingest import ProctorPeer
from proctor.session import ProctorSession
from proctor.settings import ProctorSettings
from proctor.signals import Frame, Image, Signal, SignalKind
from proctor.staging import portraits, videos
from proctor.timeline import Timeline
from proctor.video import VideoFile
from tests.fixtures.waiting import eventually
from tests.proctor.webrtc_client import WebcamClient

SETTINGS = ProctorSettings(_env_file=None)
# The sampler analyses 5 frames a second while calm: a change is seen up to 0.2 s late.
STAGED_TOLERANCE = 0.3
LIVE_TOLERANCE = 1.0
SHORT_GRACE = ProctorSettings(_env_file=None, reconnect_grace_seconds=0.5)


@dataclass(frozen=True)
class Staged:
    """What a video stages: (kind, from, to) per event, in seconds of the video."""

    name: str
    events: list[tuple[SignalKind, float, float]]


# The last frame of a video of N seconds is at N - 0.1 s; an event open there ends with it.
STAGED = [
    Staged("steady", []),
    Staged("absent", [(SignalKind.FACE_ABSENT, 2.0, 7.0)]),
    Staged("two_faces", [(SignalKind.MULTIPLE_FACES, 1.0, 4.0)]),
    Staged("turned", [(SignalKind.LOOKING_AWAY, 1.0, 5.0)]),
    Staged("turned_mirrored", [(SignalKind.LOOKING_AWAY, 1.0, 5.0)]),
    Staged("other_person", [(SignalKind.IDENTITY_MISMATCH, 0.0, 2.9)]),
    Staged("blank", [(SignalKind.FACE_ABSENT, 0.0, 2.9)]),
]

Span = tuple[SignalKind, float, float | None]


def spans(timeline: Timeline) -> list[Span]:
    return [(event.kind, event.started_at, event.ended_at) for event in timeline.events]


def assert_same_spans(actual: Sequence[Span], expected: Sequence[Span], tolerance: float) -> None:
    assert [kind for kind, _, _ in actual] == [kind for kind, _, _ in expected], actual
    for (_, start, end), (_, expected_start, expected_end) in zip(actual, expected, strict=True):
        assert start == pytest.approx(expected_start, abs=tolerance), actual
        assert end is not None and expected_end is not None
        assert end == pytest.approx(expected_end, abs=tolerance), actual


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


def staged_video(video_dir: Path, name: str) -> Path:
    path = video_dir / f"{name}.mp4"
    if not path.exists():
        videos.write_video(path, videos.staged_pictures(videos.STAGES[name]()))
    return path


@pytest.fixture(scope="module")
def enrolment_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("enrolment") / "astronaut.png"
    cv2.imwrite(str(path), portraits.astronaut_photo())
    return path


@pytest.fixture(scope="module")
def enrolment() -> Embedding:
    models = face_models()
    return enrolment_embedding(portraits.astronaut_photo(), models.finder, models.embedder)


class SignalLog:
    """The signals a session stored, as its listener."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def __call__(self, signals: Sequence[Signal], frame: Frame | None) -> None:
        self.signals.extend(signals)

    def yaws(self) -> list[float]:
        return [s.detail["yaw"] for s in self.signals if s.analyser == "pose" and "yaw" in s.detail]


async def analyse_file(path: Path, enrolment: Embedding, log: SignalLog | None = None) -> Timeline:
    session = ProctorSession.create(SETTINGS, enrolment, on_signals=log)
    with VideoFile(path, SETTINGS.analysis_width) as recording:
        return await session.run(recording.frames())


def analyse_with_cli(path: Path, photo: Path, *options: str) -> Timeline:
    command = ["proctor", "analyse", str(path), "--enrolment", str(photo), "--json", *options]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    return Timeline.model_validate(json.loads(result.stdout))


@pytest.mark.parametrize("staged", STAGED, ids=[staged.name for staged in STAGED])
async def test_a_staged_video_gives_its_events_from_the_file_and_from_the_cli(
    staged: Staged, video_dir: Path, enrolment: Embedding, enrolment_photo: Path
) -> None:
    path = staged_video(video_dir, staged.name)

    timeline = await analyse_file(path, enrolment)
    from_cli = await asyncio.to_thread(analyse_with_cli, path, enrolment_photo)

    assert_same_spans(spans(timeline), staged.events, STAGED_TOLERANCE)
    assert_same_spans(spans(from_cli), spans(timeline), 1e-9)
    assert timeline.finished_at == pytest.approx(from_cli.finished_at)
    assert "objects: unavailable" in timeline.availability_notes()
    assert timeline.availability["presence"].unavailable == 0


async def test_the_face_gone_for_five_seconds_is_one_absence_of_five_seconds(
    video_dir: Path, enrolment: Embedding
) -> None:
    (event,) = (await analyse_file(staged_video(video_dir, "absent"), enrolment)).events
    assert event.ended_at is not None
    assert event.ended_at - event.started_at == pytest.approx(5.0, abs=1.0)
    assert event.peak_value == 0  # faces counted


async def test_the_yaw_of_a_turned_face_flips_sign_in_the_mirror(
    video_dir: Path, enrolment: Embedding
) -> None:
    right, left = SignalLog(), SignalLog()
    await analyse_file(staged_video(video_dir, "turned"), enrolment, right)
    await analyse_file(staged_video(video_dir, "turned_mirrored"), enrolment, left)
    limit = SETTINGS.looking_away_degrees
    # Frontal for 1 s of each 6: most readings are the turn.
    assert sum(yaw > limit for yaw in right.yaws()) > len(right.yaws()) / 2
    assert sum(yaw < -limit for yaw in left.yaws()) > len(left.yaws()) / 2
    assert not any(yaw < -limit for yaw in right.yaws())
    assert not any(yaw > limit for yaw in left.yaws())


def test_the_cli_saves_the_evidence_keyframes_it_names(
    video_dir: Path, enrolment_photo: Path, tmp_path: Path
) -> None:
    path = staged_video(video_dir, "two_faces")
    timeline = analyse_with_cli(path, enrolment_photo, "--evidence-dir", str(tmp_path))

    (event,) = timeline.events
    assert event.evidence_keys
    assert sorted(event.evidence_keys) == sorted(file.name for file in tmp_path.iterdir())
    keyframe = cv2.imread(str(tmp_path / event.evidence_keys[0]))
    assert keyframe is not None and keyframe.shape == (240, SETTINGS.analysis_width, 3)
    assert len(face_models().finder.find(keyframe.astype("uint8"))) == 2


def test_the_cli_prints_a_table_of_the_events(video_dir: Path, enrolment_photo: Path) -> None:
    path = staged_video(video_dir, "blank")
    result = CliRunner().invoke(
        app, ["proctor", "analyse", str(path), "--enrolment", str(enrolment_photo)]
    )
    assert result.exit_code == 0, result.output
    assert "face_absent" in result.stdout
    assert "objects: unavailable" in result.stdout


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (portraits.empty_scene_frame(), "No face"),
        (portraits.two_faces_frame(), "2 faces"),
    ],
    ids=["no_face", "two_faces"],
)
def test_the_cli_refuses_an_enrolment_photo_without_exactly_one_face(
    photo: Image, message: str, video_dir: Path, tmp_path: Path
) -> None:
    photo_path = tmp_path / "enrolment.png"
    cv2.imwrite(str(photo_path), photo)
    path = staged_video(video_dir, "blank")
    result = CliRunner().invoke(
        app, ["proctor", "analyse", str(path), "--enrolment", str(photo_path), "--json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Enrolment photo refused" in result.stderr and message in result.stderr


def test_the_cli_refuses_a_file_that_is_not_a_video(enrolment_photo: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "proctor",
            "analyse",
            str(enrolment_photo.parent / "x"),
            "--enrolment",
            str(enrolment_photo),
        ],
    )
    assert result.exit_code == 2
    not_a_video = enrolment_photo.parent / "notes.mp4"
    not_a_video.write_text("not a video")
    result = CliRunner().invoke(
        app, ["proctor", "analyse", str(not_a_video), "--enrolment", str(enrolment_photo)]
    )
    assert result.exit_code == 2
    assert "Video refused" in result.stderr


@dataclass
class LiveRun:
    session: ProctorSession
    client: WebcamClient
    peer: ProctorPeer
    consuming: "asyncio.Task[None]"


async def start_streaming(
    session: ProctorSession, pictures: Sequence[Image], settings: ProctorSettings
) -> LiveRun:
    """A client streaming ``pictures`` at the videos' rate to a peer the session reads."""
    peer = ProctorPeer(settings)
    client = WebcamClient(pictures, videos.FPS)
    offer = await client.offer()
    answer = await peer.answer(offer.sdp, offer.type)
    await client.accept(answer.sdp, answer.type)
    return LiveRun(session, client, peer, asyncio.create_task(session.consume(peer.received)))


def taken_in(run: LiveRun, decoded: int) -> bool:
    """Whether the peer has decoded at least ``decoded`` frames and the session has taken every
    one the peer kept (the ingest queue may thin frames while analysis lags)."""
    peer = run.peer.stats
    kept = peer.frames_received - peer.frames_dropped
    return peer.frames_received >= decoded and run.session.stats.frames_received >= kept


async def stop_streaming(run: LiveRun) -> None:
    await run.client.close()
    await asyncio.wait_for(run.consuming, timeout=5)  # ends with the peer's `closed`
    await run.peer.close()


async def test_a_live_stream_gives_the_events_of_its_file(
    video_dir: Path, enrolment: Embedding
) -> None:
    path = staged_video(video_dir, "absent")
    from_file = await analyse_file(path, enrolment)
    with VideoFile(path, SETTINGS.analysis_width) as recording:
        pictures = [frame.image for frame in recording.frames()]

    log = SignalLog()
    session = ProctorSession.create(SETTINGS, enrolment, on_signals=log)
    run = await start_streaming(session, pictures, SETTINGS)
    await run.client.track.until_finished()
    # The client's last picture leaving says nothing of when the peer has decoded it; once it
    # has, the queue hands the frames out before the `closed` state.
    decoded = len(pictures) - 2
    await eventually(lambda: run.peer.stats.frames_received >= decoded, 30, lambda: run.peer.stats)
    await stop_streaming(run)
    live = await session.finish()

    # Live, times count from when the session started listening; the first frame (analysed
    # first) came once the connection was set up, which takes longer on a busy machine.
    first_frame_at = min(signal.at for signal in log.signals)
    assert first_frame_at < 3
    on_stream_clock = [
        (kind, start - first_frame_at, None if end is None else end - first_frame_at)
        for kind, start, end in spans(live)
    ]
    assert_same_spans(on_stream_clock, spans(from_file), LIVE_TOLERANCE)
    assert session.stats.frames_received >= len(pictures) - 2
    assert session.stats.frames_analysed >= 50


async def test_a_stream_lost_past_the_grace_period_is_an_event(enrolment: Embedding) -> None:
    log = SignalLog()
    session = ProctorSession.create(SHORT_GRACE, enrolment, on_signals=log)
    run = await start_streaming(session, [portraits.astronaut_frame()] * 10, SHORT_GRACE)
    await run.client.track.until_finished()
    await stop_streaming(run)  # the client goes away
    await asyncio.sleep(SHORT_GRACE.reconnect_grace_seconds + 0.5)

    open_loss = session.timeline().events  # the silence watch shows it while it lasts
    timeline = await session.finish()

    assert [(e.kind, e.ended_at) for e in open_loss] == [(SignalKind.STREAM_LOST, None)]
    (event,) = timeline.events
    assert event.kind is SignalKind.STREAM_LOST and event.ended_at == timeline.finished_at
    assert event.ended_at - event.started_at >= SHORT_GRACE.reconnect_grace_seconds + 0.4
    # Lost since the last frame received (the sampler analysed one of the last three).
    last_analysed_at = max(signal.at for signal in log.signals if signal.analyser == "presence")
    assert event.started_at == pytest.approx(last_analysed_at, abs=0.25)


async def test_frames_that_stop_are_a_lost_stream_until_a_reconnect_brings_them_back(
    enrolment: Embedding, tmp_path: Path
) -> None:
    keyframes = KeyframeWriter.from_settings(DirectoryEvidenceSink(tmp_path), SHORT_GRACE)
    session = ProctorSession.create(SHORT_GRACE, enrolment, keyframes=keyframes)
    first = await start_streaming(session, [portraits.astronaut_frame()] * 10, SHORT_GRACE)
    await first.client.track.until_finished()
    # The silence counts from the last frame the session took, which on a busy machine can come
    # well after the client sent it (a full run's snapshot found no loss yet): wait for it.
    await eventually(lambda: taken_in(first, 8), 30, lambda: (first.peer.stats, session.stats))
    # The connection stays up, but no frame comes.
    await asyncio.sleep(SHORT_GRACE.reconnect_grace_seconds + 0.5)
    await eventually(lambda: bool(session.timeline().events), 10, session.timeline)
    open_loss = session.timeline().events
    await stop_streaming(first)
    second = await start_streaming(session, [portraits.astronaut_frame()] * 10, SHORT_GRACE)
    await asyncio.wait_for(second.client.track.wait_sent(5), timeout=5)
    await second.client.send_event(json.dumps({"type": "tab_hidden"}))
    await second.client.track.until_finished()
    await second.client.send_event(json.dumps({"type": "tab_visible"}))
    await asyncio.sleep(0.2)
    await stop_streaming(second)
    timeline = await session.finish()

    assert [(e.kind, e.ended_at) for e in open_loss] == [(SignalKind.STREAM_LOST, None)]
    lost, hidden = timeline.events
    assert lost.kind is SignalKind.STREAM_LOST and not lost.evidence_keys
    assert lost.ended_at is not None and lost.ended_at < timeline.finished_at - 0.5
    assert lost.ended_at - lost.started_at >= SHORT_GRACE.reconnect_grace_seconds + 0.4
    # The second stream's media clock starts at 0 again; its frames and the client's events
    # are placed after the loss on the session's clock.
    assert timeline.availability["presence"].ok >= 8
    assert hidden.kind is SignalKind.TAB_HIDDEN and hidden.ended_at is not None
    assert lost.ended_at + 0.1 < hidden.started_at < hidden.ended_at - 0.2
    (keyframe,) = hidden.evidence_keys  # the learner's picture when the tab was hidden
    assert (tmp_path / keyframe).is_file()
