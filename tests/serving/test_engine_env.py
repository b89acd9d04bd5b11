"""The CPU engine's environment: its KV cache and how many cores it keeps for its scheduler."""

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
    settings = ServingSettings(cpu_reserved_cores=configured)
    assert reserved_cores(settings, machine_cores) == expected


def test_the_cpu_engine_gets_its_cache_and_reservation_and_a_gpu_engine_neither() -> None:
    cpu = engine_env(ServingSettings(cpu_kv_cache_gib=3, cpu_reserved_cores=0))
    assert cpu == {"VLLM_CPU_KVCACHE_SPACE": "3", "VLLM_CPU_NUM_OF_RESERVED_CPU": "0"}
    assert engine_env(ServingSettings(accelerator="gpu", cpu_reserved_cores=0)) == {}
