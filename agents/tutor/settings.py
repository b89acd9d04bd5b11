"""Configuration of the tutor (``WC_TUTOR_*``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TutorSettings(BaseSettings):
    """Grounding thresholds, answer and memory budgets, and the LLM limits per learner/tenant."""

    model_config = SettingsConfigDict(env_prefix="WC_TUTOR_", env_file=".env", extra="ignore")

    max_message_chars: int = Field(4000, ge=1, description="Longest learner message accepted.")
    sources: int = Field(4, ge=1, le=10, description="Retrieved chunks shown to the model.")
    min_relevance: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="Cosine similarity the best chunk must reach, else 'not covered'.",
    )
    exercise_match: float = Field(
        0.75,
        ge=0.0,
        le=1.0,
        description="Similarity above which a message is taken to be about that exercise.",
    )
    evidence_min_confidence: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="In explain mode, the evidence's confidence from which a multiple-choice "
        "answer names the option it supports; below it, the answer says the material does not "
        "settle the question.",
    )
    max_answer_tokens: int = Field(200, ge=16, description="Longest answer generated.")
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    memory_tokens: int = Field(
        900,
        ge=100,
        description="Conversation tokens kept verbatim; older turns are summarised.",
    )
    learner_messages_per_minute: int = Field(12, ge=1, description="Per learner.")
    tenant_messages_per_minute: int = Field(
        600, ge=1, description="Per curriculum (the tenant whose courses share the LLM)."
    )
    max_concurrent_streams: int = Field(
        16, ge=1, description="Answers generated at once by one API process."
    )
