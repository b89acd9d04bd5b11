"""``wc serve`` and ``wc models``: run the Serve application, prepare models."""

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from serving.settings import ServingSettings

models_app = typer.Typer(help="Prepare the models the LLM deployment serves.", no_args_is_help=True)
console = Console(stderr=True)


@models_app.command("prepare")
def prepare(
    source: Annotated[
        str | None,
        typer.Argument(
            help="'bundled', a .gguf file, a model directory or an MLflow model URI "
            "(default: WC_MODEL_SOURCE)."
        ),
    ] = None,
) -> None:
    """Turn a model source into a served model directory in the data dir (once)."""
    from serving.models import prepare_model

    settings = ServingSettings()
    with console.status("Preparing the model…") as status:
        directory = prepare_model(
            source or settings.model_source,
            settings.models_dir,
            settings.tracking_uri,
            lambda step: status.update(step),
        )
    console.print(f"[green]✓[/] model ready in {directory}")


def serve(
    port: Annotated[int | None, typer.Option(help="API port (WC_SERVE_PORT).")] = None,
    ray_address_file: Annotated[
        Path | None,
        typer.Option(
            help="Write a local Ray's address to this file as soon as Ray is up, for work that "
            "joins it (removed on exit)."
        ),
    ] = None,
) -> None:
    """Start Ray (or join WC_RAY_ADDRESS) and serve the OpenAI-compatible API under /v1."""
    from serving.runner import run_application

    settings = ServingSettings(serve_port=port) if port else ServingSettings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with console.status("Starting Ray and the LLM deployment (about a minute on a small CPU)…"):
        runner = run_application(settings, ray_address_file)
    console.print(
        f"[bold green]LLM API[/] on http://{settings.serve_host}:{settings.serve_port}/v1 "
        f"(model {settings.model_id!r})"
    )
    if not settings.ray_address:
        console.print(f"Ray on {runner.ray_address} (WC_RAY_ADDRESS for work that joins it)")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runner.shutdown()
        if ray_address_file is not None:
            ray_address_file.unlink(missing_ok=True)
