"""``wc proctor analyse``: a recorded webcam video through the same proctoring session as a live
stream, for operators and evaluations; ``wc proctor purge`` (platform_api/proctor/privacy/cli.py)
purges the evidence that is due."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from platform_api.proctor.privacy.cli import purge

if TYPE_CHECKING:  # the face models and OpenCV load only when a command runs
    from proctor.evidence import KeyframeWriter
    from proctor.faces import Embedding
    from proctor.settings import ProctorSettings
    from proctor.signals import Frame
    from proctor.timeline import Timeline
    from proctor.video import VideoFile

proctor_app = typer.Typer(help="Run the proctor from the command line.", no_args_is_help=True)
proctor_app.command("purge")(purge)
console = Console(stderr=True)
# Shorter videos are analysed in a few seconds: no progress bar.
PROGRESS_AFTER_SECONDS = 30.0


@proctor_app.command("analyse")
def analyse(
    video: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="VIDEO_FILE",
            help="A recorded webcam video (any format FFmpeg reads).",
        ),
    ],
    enrolment: Annotated[
        Path,
        typer.Option(
            "--enrolment", exists=True, dir_okay=False, help="The learner's photo: one face."
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the timeline as JSON on stdout.")
    ] = False,
    evidence_dir: Annotated[
        Path | None,
        typer.Option("--evidence-dir", file_okay=False, help="Save evidence keyframes here."),
    ] = None,
) -> None:
    """Analyse VIDEO_FILE as a live session would be analysed and print its timeline.

    Settings come from WC_PROCTOR_* as for the live proctor. With --json, stdout is the
    timeline: {"events": [{"id", "kind", "analyser", "started_at", "ended_at", "severity",
    "peak_value", "signal_count", "evidence_keys"}], "availability": {analyser: {"ok",
    "suspicious", "unavailable"}}, "finished_at"}; times are seconds of the video.
    """
    from proctor.errors import EnrolmentRejected, VideoUnreadable
    from proctor.settings import ProctorSettings
    from proctor.video import VideoFile

    settings = ProctorSettings()
    try:
        embedding = _enrolment(enrolment)
        with VideoFile(video, settings.analysis_width) as recording:
            timeline = _analyse(recording, settings, embedding, evidence_dir, show=not as_json)
    except EnrolmentRejected as error:
        console.print(f"[bold red]Enrolment photo refused:[/] {error.message}")
        raise typer.Exit(2) from error
    except VideoUnreadable as error:
        console.print(f"[bold red]Video refused:[/] {error.message}")
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(timeline.model_dump_json(indent=2))
    else:
        output = Console()
        output.print(timeline_table(timeline, video.name))
        for note in timeline.availability_notes():
            output.print(note, markup=False)


def _enrolment(photo_path: Path) -> "Embedding":
    import cv2
    import numpy as np

    from proctor.analysers.identity import enrolment_embedding
    from proctor.errors import EnrolmentRejected
    from proctor.faces import face_models

    photo = cv2.imread(str(photo_path))
    if photo is None:
        raise EnrolmentRejected(f"{photo_path.name} cannot be read as a picture.")
    models = face_models()
    # OpenCV's stubs type every picture as any numeric array; imread gives 8-bit BGR.
    return enrolment_embedding(photo.astype(np.uint8, copy=False), models.finder, models.embedder)


def _analyse(
    recording: "VideoFile",
    settings: "ProctorSettings",
    enrolment: "Embedding",
    evidence_dir: Path | None,
    *,
    show: bool,
) -> "Timeline":
    from proctor.detector_source import DetectorSource
    from proctor.session import ProctorSession

    detector = DetectorSource(settings).start()
    session = ProctorSession.create(
        settings, enrolment, detector=detector, keyframes=_keyframes(evidence_dir, settings)
    )
    duration = recording.duration
    progress = Progress(
        TextColumn("Analysing"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s of video"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not show or duration is None or duration < PROGRESS_AFTER_SECONDS,
    )
    with progress:
        task = progress.add_task("video", total=duration)

        def frames() -> Iterator["Frame"]:
            for frame in recording.frames():
                progress.update(task, completed=frame.at)  # rich's Progress is thread-safe
                yield frame

        try:
            return asyncio.run(session.run(frames()))
        finally:
            detector.stop()


def _keyframes(evidence_dir: Path | None, settings: "ProctorSettings") -> "KeyframeWriter | None":
    from proctor.evidence import DirectoryEvidenceSink, KeyframeWriter

    if evidence_dir is None:
        return None
    return KeyframeWriter.from_settings(DirectoryEvidenceSink(evidence_dir), settings)


def timeline_table(timeline: "Timeline", title: str) -> Table:
    """The events, one per row."""
    count = len(timeline.events)
    table = Table(title=f"{title}: {count} event{'' if count == 1 else 's'}")
    for column in ("kind", "from (s)", "to (s)", "span (s)", "severity", "peak", "keyframes"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for event in timeline.events:
        ended = event.ended_at if event.ended_at is not None else timeline.finished_at
        span = "" if ended is None else f"{ended - event.started_at:.1f}"
        table.add_row(
            event.kind.value,
            f"{event.started_at:.1f}",
            "" if event.ended_at is None else f"{event.ended_at:.1f}",
            span,
            event.severity.value,
            "" if event.peak_value is None else f"{event.peak_value:g}",
            str(len(event.evidence_keys)),
        )
    return table
