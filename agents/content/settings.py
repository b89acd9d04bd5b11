"""Configuration of content generation (``WC_CONTENT_*``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ContentSettings(BaseSettings):
    """Budgets of the generation graph, its checks, and the bulk-job runner."""

    model_config = SettingsConfigDict(env_prefix="WC_CONTENT_", env_file=".env", extra="ignore")

    structured_attempts: int = Field(
        3, ge=1, le=10, description="Tries per structured LLM call before the item fails."
    )
    regenerations: int = Field(
        1, ge=0, le=5, description="Times an item failing a check is written again."
    )
    sources: int = Field(4, ge=1, le=9, description="Source passages given to the writers.")
    min_source_relevance: float = Field(
        0.25, ge=0.0, le=1.0, description="Similarity a passage needs to count as a source."
    )
    duplicate_similarity: float = Field(
        0.92, ge=0.0, le=1.0, description="Cosine similarity above which an item is a duplicate."
    )
    reading_grade_tolerance: float = Field(
        3.0, ge=0.0, description="Grades a lesson may sit above or below the course target."
    )
    source_chars: int = Field(
        500, ge=100, description="Longest source passage shown to a writer (the prompt must fit)."
    )
    structure_first: bool = Field(
        True,
        description="Build multiple-choice and short-answer items from the course's glossary "
        "definitions and sentences (the LLM rewords them and writes hints) before asking the LLM "
        "to draft one; objectives without such material fall back to LLM drafting.",
    )
    objective_similarity: float = Field(
        0.55,
        ge=0.0,
        le=1.0,
        description="Similarity to a topic given no objectives from which one of the book's "
        "stated learning objectives, or one of its defined terms ('Define <term>.'), becomes "
        "an objective of the topic (structure first); none close enough: the writer proposes.",
    )
    review_questions: int = Field(
        3,
        ge=0,
        le=20,
        description="The book's own multiple-choice review questions tried per multiple-choice "
        "objective before its definitions (0: never reuse them).",
    )
    review_similarity: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Similarity to the topic and objective a review question needs to be reused.",
    )
    definitions: int = Field(
        8, ge=1, le=50, description="Defined terms retrieved per objective (the key's candidates)."
    )
    distractor_candidates: int = Field(
        16, ge=3, le=100, description="Defined terms near a key from which distractors are chosen."
    )
    synonym_similarity: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Similarity to the key's glossary passage from which a term counts as a "
        "synonym, never a distractor.",
    )
    lessons_from_sources: bool = Field(
        True,
        description="Compose each lesson from its sources' own sentences, one section per "
        "objective, at the reader's grade (the writer then rewords it); off, or when the "
        "sources state nothing usable, the writer drafts the lesson from an outline.",
    )
    reword_lessons: bool = Field(
        True,
        description="Let the writer reword each paragraph of a composed lesson; a rewording is "
        "kept only when the evidence finds its source still supports it and it reads no harder.",
    )
    ground_lessons: bool = Field(
        True,
        description="Weigh each paragraph of a drafted lesson against the topic's sources with "
        "the evidence scorer: cite the source that supports it, replace one no source supports "
        "by that source's nearest sentences. Off: the writer's own source numbers are trusted.",
    )
    lesson_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Mean calibrated probability that the sources state a paragraph's claims "
        "from which it counts as supported (the evidence scorer's claim calibration).",
    )
    lesson_max_replaced: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of a lesson's claim-bearing paragraphs that may be replaced by their "
        "source's words before the grounded check sends the lesson to a person.",
    )
    reword_stems: bool = Field(
        True,
        description="Let the LLM reword a structured item's stem; the rewording is kept only when "
        "the evidence checks still pass on it.",
    )
    temperature: float = Field(0.3, ge=0.0, le=2.0)
    repetition_penalty: float = Field(
        1.15,
        ge=1.0,
        le=2.0,
        description="vLLM's repetition penalty (1.0: not sent); keeps small models from looping.",
    )

    workers: int = Field(1, ge=1, le=64, description="Ray workers per job runner.")
    items_per_worker: int = Field(
        4, ge=1, le=64, description="Topics one worker generates at once (LLM calls overlap)."
    )
    tenant_max_running: int = Field(
        8, ge=1, description="Topics of one tenant (curriculum) generated at once, all jobs."
    )
    llm_timeout_seconds: float = Field(
        600.0,
        ge=10.0,
        description="How long a worker waits for one LLM request. A job keeps the LLM's batch "
        "full, so its requests queue behind one another: far longer than a learner's chat "
        "(120 s) would wait. A timed-out topic is queued again, not failed.",
    )
    lease_seconds: float = Field(
        300.0, ge=5.0, description="A running topic whose worker is silent this long is retried."
    )
    max_input_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest topics file.")
    max_topics: int = Field(1000, ge=1, description="Most topics in one job.")
