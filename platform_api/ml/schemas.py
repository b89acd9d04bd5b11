"""The ML lifecycle as the API shows it (``/api/v1/ml``)."""

from datetime import datetime

from pydantic import BaseModel, Field


class ModelVersionOut(BaseModel):
    version: str
    created_at: datetime
    aliases: list[str] = Field(description="Aliases naming this version (champion, …).")
    run_id: str | None = Field(description="The MLflow run that produced it.")
    source: str
    description: str
    link: str | None = Field(description="This version in the MLflow UI, when there is one.")


class RegisteredModelOut(BaseModel):
    name: str
    description: str
    champion: str | None = Field(description="The version the champion alias names.")
    champion_history: list[str] = Field(description="Champions so far, oldest first.")
    versions: list[ModelVersionOut] = Field(description="Newest first.")


class MetricOut(BaseModel):
    name: str
    value: float
    ci_low: float | None = Field(description="The 95 % bootstrap interval's bounds.")
    ci_high: float | None
    n: int | None = Field(description="Examples the mean is over.")
    passed: bool | None = Field(description="Whether it meets the suite's threshold.")


class EvalRunOut(BaseModel):
    run_id: str
    suite: str
    target: str = Field(description="What was evaluated: a model URI, an endpoint.")
    model_version: str | None
    status: str
    started_at: datetime
    metrics: list[MetricOut]
    link: str | None


class SuiteRuns(BaseModel):
    suite: str
    runs: list[EvalRunOut] = Field(description="Newest first.")


class PromotionOut(BaseModel):
    run_id: str
    title: str
    model: str | None
    decision: str | None = Field(description="promoted, rejected or rolled_back.")
    reason: str
    status: str
    decided_at: datetime
    link: str | None


class MlOverview(BaseModel):
    mlflow_ui: str | None = Field(description="The MLflow UI to open for the rest.")
    models: list[RegisteredModelOut]
    suites: list[SuiteRuns]
    promotions: list[PromotionOut] = Field(description="Newest first.")
