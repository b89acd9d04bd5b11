"""Topics files: every bad row is reported with its line, and the good rows are kept."""

import json

import pytest
from pydantic import ValidationError

from platform_api.content.topics_input import TopicIn, format_of, parse_topics, rows_of


def test_csv_with_malformed_and_empty_rows_keeps_the_good_ones() -> None:
    data = (
        b"topic,objectives\n"
        b"Mean and median,Compute the mean;Find the median\n"
        b'"Broken row",with,too many fields\n'
        b",Explain nothing\n"
        b"Standard deviation,\n"
    )
    parsed = parse_topics(data, "csv")
    assert [(r.row, r.topic, r.objectives) for r in parsed.rows] == [
        (1, "Mean and median", ["Compute the mean", "Find the median"]),
        (4, "Standard deviation", []),
    ]
    assert [(e.row, e.error) for e in parsed.errors] == [
        (2, "3 fields where the header has 2"),
        (3, "the topic is empty"),
    ]


def test_jsonl_rows_are_checked_one_by_one() -> None:
    lines = [
        json.dumps({"topic": "Sampling", "objectives": ["Define a sample"]}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"topic": "x" * 301}),
        json.dumps({"topic": "Bias", "objectives": "Spot bias; Avoid bias"}),
        json.dumps({"topic": "Odd", "objectives": [1, 2]}),
    ]
    parsed = parse_topics("\n".join(lines).encode(), "jsonl")
    assert [r.topic for r in parsed.rows] == ["Sampling", "Bias"]
    assert parsed.rows[1].objectives == ["Spot bias", "Avoid bias"]
    assert [e.row for e in parsed.errors] == [2, 3, 4, 6]
    assert "not JSON" in parsed.errors[0].error
    assert "at most 300" in parsed.errors[2].error


def test_a_file_that_is_not_utf8_or_has_no_topic_column_is_one_clear_error() -> None:
    assert parse_topics(b"topic\n\xff\xfe", "csv").errors[0].error.startswith("not UTF-8")
    assert parse_topics(b"title\nMean\n", "csv").errors[0].error == (
        "the header needs a 'topic' column"
    )


def test_json_topics_are_numbered_like_rows_and_refused_whole_when_invalid() -> None:
    parsed = rows_of([TopicIn(topic="  Variance "), TopicIn(topic="Mean", objectives=["x"])])
    assert [(r.row, r.topic, r.objectives) for r in parsed.rows] == [
        (1, "Variance", []),
        (2, "Mean", ["x"]),
    ]
    assert parsed.errors == []
    for invalid in ({"topic": ""}, {"topic": "   "}, {"objectives": ["x"]}):
        with pytest.raises(ValidationError):
            TopicIn.model_validate(invalid)


def test_only_csv_and_jsonl_names_are_accepted() -> None:
    assert format_of("Topics.CSV") == "csv"
    assert format_of("t.jsonl") == "jsonl"
    with pytest.raises(ValueError, match=r"csv or \.jsonl"):
        format_of("topics.xlsx")
