"""The pipelines ``wc pipeline run NAME`` and the scheduler know: a name → its entry point.

Each entry names, as import paths (resolved only when that pipeline runs, so that listing them
imports neither Ray nor torch), the pipeline's ``run(config)`` and a factory that builds its
config from the platform's settings plus ``--set field=value`` overrides. An entry point that
takes a ``progress`` keyword gets a ``(done, total)`` callback for the command line's progress bar.
To add a pipeline: write its folder (``pipelines/<name>/`` with ``run`` and a config factory),
then add one ``RegisteredPipeline`` to ``PIPELINES``.
"""

import importlib
import inspect
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

    def config(self, overrides: Mapping[str, str] | None = None) -> BaseModel:
        factory = _resolve(self.config_factory)
        config = factory(dict(overrides or {}))
        if not isinstance(config, BaseModel):
            raise TypeError(f"{self.config_factory} returned {type(config).__name__}")
        return config

    def run(self, config: BaseModel, progress: ProgressCallback | None = None) -> Any:
        entry_point = _resolve(self.entry_point)
        if progress is not None and "progress" in inspect.signature(entry_point).parameters:
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
        ),
    ]
}


def get_pipeline(name: str) -> RegisteredPipeline:
    try:
        return PIPELINES[name]
    except KeyError:
        raise UnknownPipeline(name) from None
