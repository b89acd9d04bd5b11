"""The pipelines ``wc pipeline run NAME`` and the scheduler know: a name → its entry point.

Each entry names, as import paths (resolved only when that pipeline runs, so that listing them
imports neither Ray nor torch), the pipeline's ``run(config)`` and a factory that builds its
config from the platform's settings plus ``--set field=value`` overrides. An entry point marked
``counts_progress`` takes a ``progress`` keyword: a ``(done, total)`` callback for the command
line's progress bar.
To add a pipeline: write its folder (``pipelines/<name>/`` with ``run`` and a config factory),
then add one ``RegisteredPipeline`` to ``PIPELINES``.
"""

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

ProgressCallback = Callable[[int, int], None]


class UnknownPipeline(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no pipeline named {self.name!r}; known: {', '.join(sorted(PIPELINES))}"


@dataclass(frozen=True)
class RegisteredPipeline:
    name: str
    summary: str
    entry_point: str  # "package.module:function", the pipeline's run(config)
    config_factory: str  # "package.module:function", (overrides: Mapping[str, str]) -> config
    counts_progress: bool = False

    def config(self, overrides: Mapping[str, str] | None = None) -> BaseModel:
        factory = _resolve(self.config_factory)
        config = factory(dict(overrides or {}))
        if not isinstance(config, BaseModel):
            raise TypeError(f"{self.config_factory} returned {type(config).__name__}")
        return config

    def run(self, config: BaseModel, progress: ProgressCallback | None = None) -> Any:
        entry_point = _resolve(self.entry_point)
        if progress is not None and self.counts_progress:
            return entry_point(config, progress=progress)
        return entry_point(config)


def _resolve(path: str) -> Callable[..., Any]:
    module_name, _, attribute = path.partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if not callable(target):
        raise TypeError(f"{path} is not callable")
    return target


PIPELINES: dict[str, RegisteredPipeline] = {
    pipeline.name: pipeline
    for pipeline in [
        RegisteredPipeline(
            name="embeddings",
            summary="Re-embed the retrieval index: a new index when the embedding model setting "
            "changed, else the lessons changed since the last run.",
            entry_point="pipelines.embeddings.pipeline:run",
            config_factory="pipelines.embeddings.config:config_from_settings",
            counts_progress=True,
        ),
        RegisteredPipeline(
            name="dataset",
            summary="Build the SFT dataset from captured tutor turns, approved generated items "
            "and OpenStax worked solutions, every eval question held out.",
            entry_point="pipelines.datasets.pipeline:run",
            config_factory="pipelines.datasets.config:config_from_settings",
        ),
        RegisteredPipeline(
            name="finetune",
            summary="LoRA-fine-tune the served model on the latest dataset (or --set "
            "dataset=runs:/ID/dataset) and register the result.",
            entry_point="pipelines.finetune.pipeline:run_counting_steps",
            config_factory="pipelines.finetune.config:config_from_settings",
            counts_progress=True,
        ),
        RegisteredPipeline(
            name="promote",
            summary="Gate the newest registered version (or --set candidate_version=N) against "
            "the champion; promote it only when it is better and regresses nowhere.",
            entry_point="pipelines.promote.pipeline:run",
            config_factory="pipelines.promote.config:config_from_settings",
        ),
    ]
}


def get_pipeline(name: str) -> RegisteredPipeline:
    try:
        return PIPELINES[name]
    except KeyError:
        raise UnknownPipeline(name) from None


def listed(value: object) -> object:
    """A comma-separated override (``--set books=a,b``) as a tuple; anything else unchanged, so a
    factory can pass every override of a tuple field through it."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
