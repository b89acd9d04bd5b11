"""Ray Serve LLM's node initialization, skipped: the served model is already a local directory.

Before an LLM replica starts its engine, Ray Serve LLM runs one task on each node of the replica's
placement group to fetch the model from a remote source (``s3://``, ``gs://`` or a mirror
config) and hand back its local path. This application always serves a directory that
``serving.models.prepare_model`` wrote (the bundled model, a Hugging Face directory, a registry
version), at the same path on every node of a cluster (docs/scaling.md), so that task could only
return the path it was given, yet it starts one more Ray worker process with the replica's
runtime environment and its imports: 9-20 s of every LLM replica's start on a 2-core machine.

Ray names the hook (``LLMConfig.callback_config``) but keeps its base class in an internal
module; a Ray release that moves it fails every LLM replica's start, loudly, in the serving tests.
"""

from ray.llm._internal.common.callbacks.base import CallbackBase


class LocalModelSource(CallbackBase):
    """Tells the engine to skip node initialization: the model source is a local path."""

    async def on_before_node_init(self) -> None:
        self.ctx.run_init_node = False
