"""Configuration of evaluation runs (``WC_EVAL_*``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EvalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WC_EVAL_", env_file=".env", extra="ignore")

    likelihood_in_process: bool = Field(
        True,
        description="Read a model URI in this process (transformers) when every suite of the run "
        "only scores log-probabilities; false: serve it with vLLM as generating suites are.",
    )
