"""The CPU engine's environment: its KV cache and how its compute threads share the cores."""

import pytest

from serving.llm import engine_env, reserved_cores
from serving.settings import ServingSettings


@pytest.mark.parametrize(
    ("configured", "machine_cores", "expected"),
    [
        (None, 2, 0),  # a small machine gives both cores to the model
        (None, 1, 0),
        (None, 16, None),  # a larger one keeps vLLM's own choice
        (1, 2, 1),  # an operator's value always wins
        (0, 64, 0),
    ],
)
def test_reserved_cores(configured: int | None, machine_cores: int, expected: int | None) -> None:
    settings = ServingSettings(cpu_reserved_cores=configured, cpu_compute_threads=None)
    assert reserved_cores(settings, machine_cores) == expected


def test_the_cpu_engine_gets_its_cache_and_reservation_and_a_gpu_engine_neither() -> None:
    settings = ServingSettings(cpu_kv_cache_gib=3, cpu_reserved_cores=0, cpu_compute_threads=None)
    cpu = engine_env(settings)
    assert cpu == {"VLLM_CPU_KVCACHE_SPACE": "3", "VLLM_CPU_NUM_OF_RESERVED_CPU": "0"}
    assert engine_env(ServingSettings(accelerator="gpu", cpu_reserved_cores=0)) == {}


def test_unbound_compute_threads_replace_the_binding_and_its_reservation() -> None:
    unbound = engine_env(
        ServingSettings(cpu_kv_cache_gib=3, cpu_compute_threads=1, cpu_reserved_cores=0)
    )
    assert unbound == {
        "VLLM_CPU_KVCACHE_SPACE": "3",
        "VLLM_CPU_OMP_THREADS_BIND": "nobind",
        "OMP_NUM_THREADS": "1",
    }
