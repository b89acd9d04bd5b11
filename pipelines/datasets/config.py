"""What one dataset build takes: where each source is, the held-out questions, and the knobs of
deduplication and splitting. Every field is part of what makes a build reproducible."""

import enum
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

# Names the rules that turn sources into rows; change any of them (a filter, a prompt, the text
# normalisation, the split hash): bump it, so that two hashes are only compared like for like.
BUILDER_VERSION = "datasets-2026-12-02"
EXPERIMENT = "datasets"


class Source(enum.StrEnum):
    TUTOR_TURN = "tutor_turn"
    GENERATED_ITEM = "generated_item"
    OPENSTAX_SOLUTION = "openstax_solution"


class DatasetConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    out_dir: Path = Field(description="Where train.jsonl, validation.jsonl, manifest.json go.")
    tracking_uri: str = Field(description="MLflow tracking URI (the run of this build).")
    experiment: str = EXPERIMENT
    sources: frozenset[Source] = frozenset(Source)
    clickhouse_url: str = Field("", description="A ClickHouse server; empty: chDB at chdb_path.")
    chdb_path: Path | None = Field(None, description="The embedded analytics store's data path.")
    database_url: str = Field(
        "",
        description="PostgreSQL: approved generated items, tutor flags and stored exercises "
        "(the leak re-check). Empty: none of them (generated items must then be left out).",
    )
    openstax_books: tuple[Path, ...] = Field(
        (), description="OpenStax book folders (collections/ + modules/)."
    )
    since: AwareDatetime | None = Field(None, description="Tutor turns from this time on.")
    held_out: tuple[str, ...] = Field(
        (), description="Every eval suite's questions: no row may ask one of them."
    )
    validation_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    split_salt: str = Field("wc-sft", description="Mixed into the group hash that splits.")
    shingle_words: int = Field(3, ge=1, description="Words per shingle (near-duplicates).")
    # With 3-word shingles, one word changed in a 25-word exchange leaves a Jaccard of ~0.75;
    # two changed words, ~0.6: the first is the same example retyped, the second another one.
    near_duplicate_jaccard: float = Field(0.7, gt=0.0, le=1.0)
    held_out_jaccard: float = Field(0.5, gt=0.0, le=1.0)
    held_out_containment: float = Field(
        0.8, gt=0.0, le=1.0, description="Share of the shorter text's shingles found in the other."
    )
    minhash_permutations: int = Field(128, ge=8)
    minhash_bands: int = Field(32, ge=1)
    # Each page re-runs the selection over the whole table (keyset on turn_id, which the sorting
    # key cannot seek to): bigger pages, fewer scans; a page of JSON rows is ~1 KB a row.
    page_rows: int = Field(200_000, ge=1, description="Tutor turns read per ClickHouse query.")

    @field_validator("held_out", mode="before")
    @classmethod
    def _questions(cls, value: Sequence[str]) -> tuple[str, ...]:
        return tuple(value)

    @model_validator(mode="after")
    def _sources_reachable(self) -> Self:
        if Source.TUTOR_TURN in self.sources and not (self.clickhouse_url or self.chdb_path):
            raise ValueError("tutor turns need clickhouse_url or chdb_path")
        if Source.GENERATED_ITEM in self.sources and not self.database_url:
            raise ValueError("approved generated items need database_url")
        if Source.OPENSTAX_SOLUTION in self.sources and not self.openstax_books:
            raise ValueError("OpenStax solutions need at least one book in openstax_books")
        if self.minhash_permutations % self.minhash_bands:
            raise ValueError("minhash_permutations must be a multiple of minhash_bands")
        return self

    def since_or_epoch(self) -> datetime:
        return self.since or datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def config_from_settings(overrides: Mapping[str, object] | None = None) -> DatasetConfig:
    """The build the platform's settings describe: tutor turns from its analytics store
    (``WC_CLICKHOUSE_URL``, else the data dir's chDB), approved items from its database, worked
    solutions of the eval books found under ``WC_OPENSTAX_DIR``, every eval question held out,
    into ``<data dir>/datasets/<time>``; ``overrides`` on top (``openstax_books`` as
    comma-separated folders). Sources that have nothing to read from are left out."""
    from core.infra.postgres_embedded import platform_database_url
    from core.settings import Settings
    from evals.catalogue import held_out_questions
    from evals.heldout import EVAL_BOOKS, default_books_dir
    from pipelines.registry import listed
    from serving.settings import ServingSettings

    overrides = {
        field: listed(value) if field in ("openstax_books", "sources", "held_out") else value
        for field, value in (overrides or {}).items()
    }
    settings, books_dir = Settings(), default_books_dir()
    data_dir = settings.resolved_data_dir
    books = tuple(books_dir / book for book in EVAL_BOOKS if (books_dir / book).is_dir())
    values: dict[str, object] = {
        "out_dir": data_dir / "datasets" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S"),
        "tracking_uri": ServingSettings().tracking_uri,
        "clickhouse_url": settings.clickhouse_url,
        "chdb_path": None if settings.clickhouse_url else data_dir / "clickhouse",
        "openstax_books": books,
    }
    if "held_out" not in overrides:  # reading every suite's questions loads the books
        values["held_out"] = held_out_questions(books_dir) if books else ()
    if "database_url" not in overrides:
        values["database_url"] = platform_database_url(settings.database_url, data_dir)
    values |= overrides
    if not values["openstax_books"] and "sources" not in overrides:
        values["sources"] = frozenset(Source) - {Source.OPENSTAX_SOLUTION}
    return DatasetConfig.model_validate(values)
