"""Configuration of grading (``WC_GRADING_*``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GradingSettings(BaseSettings):
    """How the grade is formed, when a teacher must look, and how hard the saga retries."""

    model_config = SettingsConfigDict(env_prefix="WC_GRADING_", env_file=".env", extra="ignore")

    confidence_threshold: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="LLM grades below this confidence go to the teacher's grading queue.",
    )
    llm_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of the LLM's rubric judgement in the grade; the rest is the "
        "similarity of the answer to the model answer.",
    )
    course_evidence: bool = Field(
        True,
        description="Weigh answers against the course's material and send grades that disagree "
        "with it to the teacher. The material cannot settle computations: for a course whose "
        "answers are mostly worked calculations, false spares the teachers needless reviews.",
    )
    similarity_floor: float = Field(
        0.3, ge=0.0, le=1.0, description="Similarity at or below which the evidence gives 0."
    )
    similarity_ceiling: float = Field(
        0.85, ge=0.0, le=1.0, description="Similarity at or above which the evidence gives full."
    )
    max_prompt_chars: int = Field(
        300, ge=50, le=4000, description="Longest question, model answer or answer shown."
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    repetition_penalty: float = Field(
        1.15,
        ge=1.0,
        le=2.0,
        description="vLLM's repetition penalty (1.0: not sent); keeps a small model from looping.",
    )
    structured_attempts: int = Field(2, ge=1, le=5, description="Tries per LLM grade.")
    llm_timeout_seconds: float = Field(
        30.0, gt=0, description="Per LLM request; a slower LLM counts as down and is retried."
    )
    max_attempts: int = Field(
        8,
        ge=1,
        le=50,
        description="Deliveries of a grading step before it dead-letters (grading_delayed).",
    )
