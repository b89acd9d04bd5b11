"""Bare vLLM for the engine benchmarks: ``AsyncLLM`` on the served model with the engine arguments
``wc serve`` uses (``serving.llm.engine_kwargs``), plus a benchmark's overrides."""

from typing import Any


def start_engine(**overrides: Any) -> Any:
    from vllm.engine.arg_utils import AsyncEngineArgs
    from vllm.v1.engine.async_llm import AsyncLLM

    from serving.app import resolve_model_dir
    from serving.llm import engine_kwargs
    from serving.settings import ServingSettings

    settings = ServingSettings()
    arguments = {**engine_kwargs(settings), **overrides}
    return AsyncLLM.from_engine_args(
        AsyncEngineArgs(model=str(resolve_model_dir(settings)), **arguments)
    )
