"""The analytics tables: one DDL statement each, accepted by chDB and ClickHouse server alike.

Events arrive at least once, so each table is a ``ReplacingMergeTree`` whose sorting key ends with
the event's id: a redelivered event collapses into the first copy when parts merge, and readers
that must not count twice use ``FINAL`` (or ``GROUP BY`` the id). The columns before the id are
fixed by the event itself (a turn's course and learner never change), so duplicates still share
the whole key; they put a course's or a learner's rows together for dashboards and for erasure.
"""

TUTOR_TURNS = "tutor_turns"
TUTOR_FEEDBACK = "tutor_feedback"
LEARNING_STATEMENTS = "learning_statements"

CREATE_TUTOR_TURNS = f"""
CREATE TABLE IF NOT EXISTS {TUTOR_TURNS}
(
    turn_id UUID,
    session_id UUID,
    learner_id UUID,
    course_id UUID,
    occurred_at DateTime64(3, 'UTC'),
    question String,
    answer String,
    intent LowCardinality(String),
    mode LowCardinality(String),
    refused Bool,
    retrieved_chunk_ids Array(UUID),
    cited_lesson_ids Array(UUID),
    latency_ms Float64,
    ttft_ms Float64,
    prompt_tokens UInt32,
    completion_tokens UInt32,
    model LowCardinality(String),
    support_score Nullable(Float64),
    supported Nullable(Bool),
    support_basis LowCardinality(Nullable(String))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (course_id, learner_id, turn_id)
"""

CREATE_TUTOR_FEEDBACK = f"""
CREATE TABLE IF NOT EXISTS {TUTOR_FEEDBACK}
(
    feedback_id UUID,
    turn_id UUID,
    learner_id UUID,
    rating LowCardinality(String),
    comment String,
    occurred_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (turn_id, feedback_id)
"""

# xAPI-shaped learning statements (actor = learner_id, verb, object, result, context, timestamp).
# A statement that is revised (a regraded answer) keeps its id and gets a higher ``revision``:
# ReplacingMergeTree(revision) keeps the latest, and readers of results use ``FINAL``. The sorting
# key is (learner_id, statement_id): dashboards read a class's learners, erasure a learner. A
# learner has a few dozen statements a month, far fewer than the default 8192-row granule, so a
# 30-learner class touched a third of the table's granules; 1024-row granules read ~8x less.
CREATE_LEARNING_STATEMENTS = f"""
CREATE TABLE IF NOT EXISTS {LEARNING_STATEMENTS}
(
    statement_id UUID,
    learner_id UUID,
    timestamp DateTime64(3, 'UTC'),
    verb LowCardinality(String),
    object_type LowCardinality(String),
    object_id String,
    object_name String,
    course_id Nullable(UUID),
    class_id Nullable(UUID),
    assignment_id Nullable(UUID),
    sitting_id Nullable(UUID),
    objective_id Nullable(UUID),
    success Nullable(Bool),
    score_raw Nullable(Float64),
    score_max Nullable(Float64),
    duration_ms Nullable(UInt32),
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (learner_id, statement_id)
SETTINGS index_granularity = 1024
"""

# Columns added after a table was first created: applied to older stores on start (idempotent).
UPGRADES: tuple[str, ...] = tuple(
    f"ALTER TABLE {TUTOR_TURNS} ADD COLUMN IF NOT EXISTS {column}"
    for column in (
        "support_score Nullable(Float64)",
        "supported Nullable(Bool)",
        "support_basis LowCardinality(Nullable(String))",
    )
)

SCHEMA: tuple[str, ...] = (
    CREATE_TUTOR_TURNS,
    CREATE_TUTOR_FEEDBACK,
    CREATE_LEARNING_STATEMENTS,
    *UPGRADES,
)

# Every table with a learner_id column: erasing a learner deletes their rows from each.
LEARNER_TABLES: tuple[str, ...] = (TUTOR_TURNS, TUTOR_FEEDBACK, LEARNING_STATEMENTS)
