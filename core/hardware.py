"""What this machine computes natively, for the choices that depend on it."""

from functools import cache


@cache
def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX-512 BF16, AMX); elsewhere (AVX2 only,
    for one) PyTorch emulates it, several times slower than float32."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # a torch without these probes
        return False


def cpu_precision(requested: str) -> str:
    """``auto`` made concrete for the CPU: ``bfloat16`` where it is native, else ``float32``;
    any other value as given."""
    if requested != "auto":
        return requested
    return "bfloat16" if native_bfloat16() else "float32"
