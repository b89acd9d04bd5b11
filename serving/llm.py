"""The LLM deployment: vLLM through Ray Serve LLM, configured for this CPU or for GPUs."""

import os
from pathlib import Path
from typing import Any

from serving.settings import ServingSettings

# Schema-constrained answers are compact JSON: with xgrammar's default, the grammar allows any
# run of whitespace between JSON tokens, and a small model sometimes spends its whole token
# budget on newlines there (10-16 % of the content writer's answers; each cost a retry).
# vLLM reads this switch from the engine's config only (a request's own is ignored).
STRUCTURED_OUTPUTS = {"backend": "xgrammar", "disable_any_whitespace": True}


def engine_kwargs(settings: ServingSettings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "dtype": settings.compute_dtype,
        "max_model_len": settings.max_model_len,
        "structured_outputs_config": dict(STRUCTURED_OUTPUTS),
    }
    if settings.accelerator == "cpu":
        # CUDA graphs do not exist on the CPU backend.
        kwargs["enforce_eager"] = True
    else:
        kwargs["tensor_parallel_size"] = settings.gpus_per_replica
        kwargs["gpu_memory_utilization"] = settings.gpu_memory_utilization
    return kwargs


def placement_bundles(settings: ServingSettings) -> list[dict[str, float]]:
    if settings.accelerator == "cpu":
        return [{"CPU": settings.cpus_per_replica}]
    return [{"GPU": 1, "CPU": 1} for _ in range(settings.gpus_per_replica)]


# On this few cores, vLLM's default of one core for its scheduler leaves one for the model.
SMALL_MACHINE_CORES = 2


def reserved_cores(settings: ServingSettings, machine_cores: int) -> int | None:
    """Cores the CPU engine keeps for its scheduler; None leaves vLLM's own choice."""
    if settings.cpu_reserved_cores is not None:
        return settings.cpu_reserved_cores
    if machine_cores <= SMALL_MACHINE_CORES:
        return 0
    return None


def engine_env(settings: ServingSettings) -> dict[str, str]:
    """Environment of the engine's processes: unbound compute threads when they are set, else
    vLLM's bound layout with the cores it reserves. The cores counted are those this process may
    run on: in cluster mode set ``WC_CPU_RESERVED_CORES`` when the replicas' nodes differ."""
    if settings.accelerator != "cpu":
        return {}
    env = {"VLLM_CPU_KVCACHE_SPACE": str(settings.cpu_kv_cache_gib)}
    if settings.cpu_compute_threads is not None:
        threads = str(settings.cpu_compute_threads)
        return env | {"VLLM_CPU_OMP_THREADS_BIND": "nobind", "OMP_NUM_THREADS": threads}
    reserved = reserved_cores(settings, len(os.sched_getaffinity(0)))
    if reserved is not None:
        env["VLLM_CPU_NUM_OF_RESERVED_CPU"] = str(reserved)
    return env


# Named, not imported: the replicas load it, and this module stays importable without Ray.
LOCAL_MODEL_CALLBACK = "serving.local_model.LocalModelSource"


def llm_config(settings: ServingSettings, model_dir: Path, env_vars: dict[str, str]) -> Any:
    """The Ray Serve LLM config of the one model this application serves."""
    from ray.serve.llm import LLMConfig

    return LLMConfig(
        model_loading_config={"model_id": settings.model_id, "model_source": str(model_dir)},
        engine_kwargs=engine_kwargs(settings),
        placement_group_config={"bundles": placement_bundles(settings)},
        deployment_config={
            "autoscaling_config": {
                "min_replicas": settings.min_replicas,
                "max_replicas": settings.max_replicas,
            },
            "max_ongoing_requests": settings.max_ongoing_requests,
        },
        runtime_env={"env_vars": {**env_vars, **engine_env(settings)}},
        log_engine_metrics=True,
        callback_config={"callback_class": LOCAL_MODEL_CALLBACK},
    )


def ingress_deployment_config(settings: ServingSettings) -> dict[str, Any]:
    """Back-pressure at the door: the OpenAI ingress admits as many requests as the LLM replicas
    batch, queues ``max_queued_requests`` more, and Serve answers the rest with 503 and
    ``Retry-After`` (instead of letting an unbounded queue grow latency for everyone)."""
    return {
        "max_ongoing_requests": settings.max_ongoing_requests * settings.max_replicas,
        "max_queued_requests": settings.max_queued_requests,
        "backpressure_config": {
            "status_code": 503,
            "retry_after_s": settings.overload_retry_after_seconds,
        },
    }
