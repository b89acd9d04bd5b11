"""Configuration of ``wc pipeline`` (``WC_PIPELINE_*``): the schedule and where cluster jobs go."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WC_PIPELINE_", env_file=".env", extra="ignore")

    schedule: str = Field(
        "",
        description="What `wc pipeline schedule` fires: 'NAME=CRON' entries separated by ';' or "
        "new lines, e.g. 'embeddings=0 3 * * *'.",
    )
    timezone: str = Field("UTC", description="IANA zone the schedule's times are read in.")
    poll_seconds: float = Field(
        30.0, gt=0, description="How often the scheduler checks on the runs it started."
    )
    jobs_address: str = Field(
        "",
        description="Ray Jobs API that `wc pipeline run` submits to when WC_RAY_ADDRESS names a "
        "cluster (http://HEAD:8265); empty: the host of WC_RAY_ADDRESS, port 8265.",
    )
