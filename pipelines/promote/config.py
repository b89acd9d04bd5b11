"""What a promotion decision takes: the candidate, the suites both models run, the sample."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from evals.heldout import default_books_dir

DEFAULT_MODEL = "tutor-llm"


class PromotionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    registered_model: str = DEFAULT_MODEL
    candidate_version: str = Field(description="The registered version to judge.")
    tracking_uri: str
    suites: tuple[str, ...] = Field(
        ("model", "tutor", "safety"), description="Suites both models run; none may regress."
    )
    target_suite: str = Field("model", description="The suite whose target metric must improve.")
    limit: int | None = Field(40, ge=1, description="Questions per suite part (None: all).")
    seed: int = 0
    books_dir: Path = Field(default_factory=default_books_dir)
    database_url: str | None = Field(
        None,
        description="The platform's database: the courses the suites search, the outbox the "
        "decision's event goes to (default: the configured or embedded one).",
    )
    reuse_hours: float = Field(
        24.0,
        ge=0,
        description="Reuse the champion's finished runs of the same suite version and sample "
        "younger than this (0: always run it again).",
    )
