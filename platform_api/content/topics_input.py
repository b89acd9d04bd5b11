"""Reading a job's topics from CSV or JSON Lines, row by row: a bad row is reported, not fatal.

CSV: a header with ``topic`` and optionally ``objectives`` (several separated by ``;``).
JSON Lines: one object per line, ``{"topic": ..., "objectives": [...]}``.
"""

import csv
import io
import json
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError

TopicFormat = Literal["csv", "jsonl"]
MAX_TOPIC_CHARS = 300
MAX_OBJECTIVES = 6
MAX_OBJECTIVE_CHARS = 240


class TopicRow(BaseModel):
    row: int = Field(description="Line of the input (1 = first data row).")
    topic: str = Field(min_length=1, max_length=MAX_TOPIC_CHARS)
    objectives: list[str] = Field(default_factory=list, max_length=MAX_OBJECTIVES)
    objective_id: uuid.UUID | None = None  # the weak objective the topic targets, if drawn so


class TopicIn(BaseModel):
    """One topic sent as JSON; its schema is checked whole (a file's rows one by one)."""

    topic: str = Field(min_length=1, max_length=MAX_TOPIC_CHARS, pattern=r"\S")
    objectives: list[Annotated[str, Field(max_length=MAX_OBJECTIVE_CHARS)]] = Field(
        default_factory=list, max_length=MAX_OBJECTIVES
    )


class RowError(BaseModel):
    row: int
    error: str


class ParsedTopics(BaseModel):
    rows: list[TopicRow]
    errors: list[RowError]


def format_of(filename: str) -> TopicFormat:
    """The format a file name declares; ValueError for anything else."""
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise ValueError(f"{filename!r}: topics come as .csv or .jsonl")


def _row(number: int, topic: object, objectives: object) -> TopicRow | RowError:
    if isinstance(objectives, str):
        objectives = [part for part in (o.strip() for o in objectives.split(";")) if part]
    if not isinstance(topic, str) or not topic.strip():
        return RowError(row=number, error="the topic is empty")
    if objectives is None:
        objectives = []
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        return RowError(row=number, error="objectives must be a list of strings")
    too_long = [o for o in objectives if len(o) > MAX_OBJECTIVE_CHARS]
    if too_long:
        return RowError(
            row=number, error=f"an objective is longer than {MAX_OBJECTIVE_CHARS} characters"
        )
    try:
        return TopicRow(row=number, topic=topic.strip(), objectives=objectives)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        return RowError(row=number, error=f"{where}: {problem['msg']}")


def _csv_rows(text: str) -> list[TopicRow | RowError]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if "topic" not in header:
        return [RowError(row=0, error="the header needs a 'topic' column")]
    topic_at = header.index("topic")
    objectives_at = header.index("objectives") if "objectives" in header else None
    found: list[TopicRow | RowError] = []
    for number, fields in enumerate(reader, start=1):
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            found.append(
                RowError(
                    row=number, error=f"{len(fields)} fields where the header has {len(header)}"
                )
            )
            continue
        objectives = fields[objectives_at] if objectives_at is not None else ""
        found.append(_row(number, fields[topic_at], objectives))
    return found


def _jsonl_rows(text: str) -> list[TopicRow | RowError]:
    found: list[TopicRow | RowError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(RowError(row=number, error=f"not JSON: {error.msg}"))
            continue
        if not isinstance(value, dict):
            found.append(RowError(row=number, error="each line must be a JSON object"))
            continue
        found.append(_row(number, value.get("topic"), value.get("objectives")))
    return found


def rows_of(topics: list[TopicIn]) -> ParsedTopics:
    """Topics sent as JSON, already valid: numbered like a file's rows."""
    rows = [
        TopicRow(row=number, topic=topic.topic.strip(), objectives=topic.objectives)
        for number, topic in enumerate(topics, 1)
    ]
    return ParsedTopics(rows=rows, errors=[])


def _split(parsed: list[TopicRow | RowError]) -> ParsedTopics:
    return ParsedTopics(
        rows=[r for r in parsed if isinstance(r, TopicRow)],
        errors=[r for r in parsed if isinstance(r, RowError)],
    )


def parse_topics(data: bytes, topic_format: TopicFormat) -> ParsedTopics:
    """Every row, each either a topic or the reason it was refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return ParsedTopics(
            rows=[], errors=[RowError(row=0, error=f"not UTF-8 (byte {error.start})")]
        )
    return _split(_csv_rows(text) if topic_format == "csv" else _jsonl_rows(text))
