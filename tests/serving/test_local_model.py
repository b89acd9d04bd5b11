"""The LLM replicas start without Ray Serve LLM's node initialization: the model they serve is
already a local directory (serving/local_model.py)."""

import importlib
from pathlib import Path

from serving.llm import llm_config
from serving.settings import ServingSettings


async def test_the_llm_replicas_skip_node_initialization(tmp_path: Path) -> None:
    config = llm_config(ServingSettings(), tmp_path, {})
    module, _, name = config.callback_config.callback_class.rpartition(".")
    callback = getattr(importlib.import_module(module), name)(llm_config=config)
    assert callback.ctx.run_init_node
    await callback.run_callback("on_before_node_init")
    assert not callback.ctx.run_init_node
