"""Chunking keeps Markdown structures whole and labels every chunk with where it came from."""

import uuid

from rag.chunking import (
    ExerciseContent,
    LessonContent,
    approximate_tokens,
    chunk_lesson,
    split_blocks,
)

CODE = "```python\nfor number in range(10):\n\n    total += number\n\nprint(total)\n```"
LIST = "- first point about sums\n- second point\n\n- third point after a blank line\n  continued"
TABLE = "| x | y |\n|---|---|\n" + "\n".join(f"| {i} | {i * i} |" for i in range(40))


def lesson(body: str, **overrides: object) -> LessonContent:
    fields: dict[str, object] = {
        "course_id": uuid.uuid4(),
        "lesson_id": uuid.uuid4(),
        "lesson_title": "Adding numbers",
        "chapter_title": "Arithmetic",
        "source_module": "m12345",
        "objectives": ["Add two numbers"],
        "body_markdown": body,
        "exercises": [],
    }
    fields.update(overrides)
    return LessonContent(**fields)  # type: ignore[arg-type]


def long_paragraph(topic: str, words: int = 120) -> str:
    return " ".join(f"{topic}{i % 7}" for i in range(words)) + "."


def test_blocks_keep_code_lists_and_tables_whole() -> None:
    body = f"# Title\n\nIntro.\n\n{CODE}\n\n{LIST}\n\n{TABLE}\n\nOutro."
    blocks = split_blocks(body)
    assert CODE in blocks
    assert LIST in blocks
    assert TABLE in blocks


def test_sections_split_on_headings_and_chunks_stay_within_budget() -> None:
    body = "\n\n".join(
        [
            "## Sums",
            long_paragraph("alpha"),
            long_paragraph("beta"),
            long_paragraph("gamma"),
            "### Carrying",
            long_paragraph("delta"),
            CODE,
            "## Differences",
            LIST,
        ]
    )
    chunks = chunk_lesson(lesson(body), max_tokens=250)
    paths = [chunk.heading_path for chunk in chunks]
    assert ["Adding numbers", "Sums"] in paths
    assert ["Adding numbers", "Sums", "Carrying"] in paths
    assert ["Adding numbers", "Differences"] in paths
    for chunk in chunks:
        assert approximate_tokens(chunk.text) <= 250
        assert "##" not in chunk.text
    texts = [chunk.text for chunk in chunks]
    assert any(CODE in text for text in texts)
    assert any(LIST in text for text in texts)
    # Paragraphs are never cut: each one appears whole in exactly one chunk.
    for topic in ("alpha", "beta", "gamma", "delta"):
        assert sum(long_paragraph(topic) in text for text in texts) == 1


def test_an_oversized_table_stands_alone_and_whole() -> None:
    chunks = chunk_lesson(lesson(f"Before.\n\n{TABLE}\n\nAfter."), max_tokens=100)
    assert [chunk.text for chunk in chunks] == ["Before.", TABLE, "After."]


def test_an_oversized_quote_splits_between_its_blocks() -> None:
    inner = [long_paragraph("eps", 80), TABLE.split("\n", 10)[0], long_paragraph("zeta", 80)]
    quote = "\n>\n".join("\n".join(f"> {line}" for line in part.split("\n")) for part in inner)
    chunks = chunk_lesson(lesson(quote), max_tokens=120)
    assert len(chunks) >= 2
    assert all(chunk.text.startswith(">") for chunk in chunks)
    eps, zeta = (f"> {long_paragraph(topic, 80)}" for topic in ("eps", "zeta"))
    assert sum(eps in chunk.text for chunk in chunks) == 1
    assert sum(zeta in chunk.text for chunk in chunks) == 1
    assert not any(eps in chunk.text and zeta in chunk.text for chunk in chunks)


def test_exercises_are_their_own_chunks_with_their_options() -> None:
    item = ExerciseContent(uuid.uuid4(), "What is 2 + 3?", [{"label": "a", "text": "5"}])
    content = lesson("Numbers add up.", exercises=[item])
    chunks = chunk_lesson(content)
    assert [chunk.kind for chunk in chunks] == ["text", "exercise"]
    exercise = chunks[1]
    assert exercise.text == "What is 2 + 3?\na) 5"
    assert exercise.metadata["item_id"] == str(item.item_id)


def test_every_chunk_carries_its_metadata() -> None:
    item = ExerciseContent(uuid.uuid4(), "Add 4 and 4.")
    content = lesson("## Part\n\nText.", exercises=[item])
    for chunk in chunk_lesson(content):
        metadata = chunk.metadata
        assert metadata["course_id"] == str(content.course_id)
        assert metadata["lesson_id"] == str(content.lesson_id)
        assert metadata["lesson_title"] == "Adding numbers"
        assert metadata["chapter_title"] == "Arithmetic"
        assert metadata["source_module"] == "m12345"
        assert metadata["objectives"] == ["Add two numbers"]
        assert metadata["heading_path"] == chunk.heading_path
        assert metadata["kind"] == chunk.kind


def test_an_empty_body_still_gives_one_chunk_and_hash_tracks_content() -> None:
    content = lesson("")
    (chunk,) = chunk_lesson(content)
    assert "Adding numbers" in chunk.text
    same = lesson("", course_id=content.course_id, lesson_id=content.lesson_id)
    assert content.content_hash() == same.content_hash()
    assert content.content_hash() != lesson("changed").content_hash()


def test_each_defined_key_term_is_a_passage_of_its_own() -> None:
    terms = [
        {"term": "median", "definition": "the middle value of ordered data"},
        {"term": "mode", "definition": ""},  # introduced without a definition: no passage
    ]
    chunks = chunk_lesson(lesson("Some text about averages.", key_terms=terms))
    [definition] = [c for c in chunks if c.kind == "definition"]
    assert definition.text == "median: the middle value of ordered data"
    assert definition.metadata["term"] == "median"
    assert definition.heading_path == ["Adding numbers", "Key terms"]


def test_key_terms_change_the_hash_only_when_a_lesson_has_some() -> None:
    plain = lesson("Text.")
    same = {"lesson_id": plain.lesson_id, "course_id": plain.course_id}
    assert lesson("Text.", key_terms=[], **same).content_hash() == plain.content_hash()
    defined = lesson(
        "Text.", key_terms=[{"term": "sum", "definition": "an addition's result"}], **same
    )
    assert defined.content_hash() != plain.content_hash()
