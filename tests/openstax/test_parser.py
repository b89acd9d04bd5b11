"""Parsing the real OpenStax books (folder and zip) and refusing malformed or unsafe input."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from core.curriculum.models import ItemKind
from core.errors import ImportRejected
from core.openstax.parser import (
    CnxmlError,
    ParsedCollection,
    ParsedModule,
    parse_collection_dir,
    parse_collection_zip,
)
from tests.openstax import (
    ANATOMY_BOOK,
    BOOKS_DIR,
    NS,
    PYTHON_BOOK,
    STATISTICS_BOOK,
    chapter_outline,
    expected_counts,
)
from tests.openstax.books import NESTED_COLLECTION, insert_line, small_book, zip_book

pytestmark = pytest.mark.skipif(not BOOKS_DIR.is_dir(), reason=f"no OpenStax books at {BOOKS_DIR}")

BOOKS = [PYTHON_BOOK, STATISTICS_BOOK]


def counts(collections: list[ParsedCollection]) -> dict[str, tuple[int, int, int, int]]:
    result = {}
    for collection in collections:
        modules = [m for chapter in collection.chapters for m in chapter.modules]
        exercises = sum(len(m.exercises) for m in modules)
        groups = {c.group_title for c in collection.chapters if c.group_title is not None}
        result[collection.source_key] = (
            len(collection.chapters),
            len(modules),
            exercises,
            len(groups),
        )
    return result


def expected_tuples(book_dir: Path) -> dict[str, tuple[int, int, int, int]]:
    return {
        key: (e.chapters, e.lessons, e.exercises, e.groups)
        for key, e in expected_counts(book_dir).items()
    }


@pytest.fixture(scope="module")
def anatomy() -> ParsedCollection:
    """Anatomy and Physiology, parsed once for this module's read-only checks."""
    (collection,) = parse_collection_dir(BOOKS_DIR / ANATOMY_BOOK)
    return collection


@pytest.mark.parametrize("book", [*BOOKS, ANATOMY_BOOK])
def test_counts_match_the_xml(book: str) -> None:
    assert counts(parse_collection_dir(BOOKS_DIR / book)) == expected_tuples(BOOKS_DIR / book)


def test_the_statistics_bundle_holds_two_courses() -> None:
    collections = parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK)
    assert {c.source_key for c in collections} == {
        "openstax:introductory-statistics-2e",
        "openstax:introductory-business-statistics-2e",
    }
    assert [c.title for c in collections if c.chapters[0].title == "Front matter"] == [
        c.title for c in collections
    ]


def test_a_three_level_book_keeps_its_chapters_under_their_units(
    anatomy: ParsedCollection,
) -> None:
    expected = chapter_outline(BOOKS_DIR / ANATOMY_BOOK)
    chapters = [c for c in anatomy.chapters if c.source_key.startswith("chapter:")]
    assert [(c.title, c.group_title, len(c.modules)) for c in chapters] == expected
    groups = {group for _, group, _ in expected}
    assert None not in groups and 1 < len(groups) < len(chapters)
    assert [c.position for c in anatomy.chapters] == list(range(len(anatomy.chapters)))
    assert [c.source_key for c in chapters] == [f"chapter:{n}" for n in range(1, len(expected) + 1)]


def test_every_lettered_review_question_of_anatomy_is_keyed(anatomy: ParsedCollection) -> None:
    """Each exercise whose problem holds one lettered list names its key letter in the solution."""
    lettered = sum(
        int(
            module_xml(m.module_id).xpath(
                "count(//c:exercise[count(c:problem//c:list[@number-style='lower-alpha']) = 1])",
                namespaces=NS,
            )
        )
        for m in modules_of(anatomy)
    )
    choices = [
        e for m in modules_of(anatomy) for e in m.exercises if e.kind is ItemKind.MULTIPLE_CHOICE
    ]
    assert len(choices) == lettered
    assert all(e.answer in {o["label"] for o in e.options} and e.solution for e in choices)


def test_every_glossary_definition_of_anatomy_becomes_a_key_term(
    anatomy: ParsedCollection,
) -> None:
    for module in modules_of(anatomy):
        terms = module_xml(module.module_id).iterfind("c:glossary/c:definition/c:term", NS)
        glossary = {" ".join("".join(term.itertext()).split()).lower() for term in terms}
        defined = {t["term"].lower() for t in module.key_terms if t["definition"]}
        assert glossary <= defined, module.module_id


def test_objectives_stated_in_the_abstract_are_kept(anatomy: ParsedCollection) -> None:
    stated = 0
    for module in modules_of(anatomy):
        items = module_xml(module.module_id).iterfind("c:metadata/md:abstract//c:item", NS)
        abstract = [" ".join("".join(item.itertext()).split()) for item in items]
        objectives = {re.sub(r"</?su[bp]>", "", text) for text in module.objectives}
        assert set(abstract) <= objectives, module.module_id
        stated += len(abstract)
    assert stated > len(modules_of(anatomy))


def test_figure_titles_stay_in_the_body(anatomy: ParsedCollection) -> None:
    titled = 0
    for module in modules_of(anatomy):
        for title in module_xml(module.module_id).iterfind(".//c:figure/c:title", NS):
            assert f"**{' '.join(''.join(title.itertext()).split())}**" in module.body_markdown
            titled += 1
    assert titled


def modules_of(collection: ParsedCollection) -> list[ParsedModule]:
    return [m for chapter in collection.chapters for m in chapter.modules]


def module_xml(module_id: str) -> etree._ElementTree:
    return etree.parse(str(BOOKS_DIR / ANATOMY_BOOK / "modules" / module_id / "index.cnxml"))


def test_one_collection_file_can_be_chosen() -> None:
    book = BOOKS_DIR / STATISTICS_BOOK
    chosen = parse_collection_dir(
        book, Path("collections/introductory-statistics-2e.collection.xml")
    )
    assert [c.source_key for c in chosen] == ["openstax:introductory-statistics-2e"]


@pytest.mark.parametrize("book", BOOKS)
def test_multiple_choice_items_name_one_of_their_options(book: str) -> None:
    exercises = [
        e
        for c in parse_collection_dir(BOOKS_DIR / book)
        for ch in c.chapters
        for m in ch.modules
        for e in m.exercises
    ]
    choices = [e for e in exercises if e.kind is ItemKind.MULTIPLE_CHOICE]
    for item in choices:
        assert len(item.options) >= 2 and item.prompt
        assert item.answer in {option["label"] for option in item.options}
    for item in exercises:
        assert item.kind is ItemKind.MULTIPLE_CHOICE or (not item.options and item.answer is None)
    if book == STATISTICS_BOOK:
        assert len(choices) > 50


def test_objectives_key_terms_and_body_of_a_module() -> None:
    modules = {
        m.module_id: m
        for c in parse_collection_dir(BOOKS_DIR / PYTHON_BOOK)
        for ch in c.chapters
        for m in ch.modules
    }
    background = modules["m00002"]
    assert len(background.objectives) == 2 and all(background.objectives)
    terms = {t["term"]: t["definition"] for t in background.key_terms}
    assert "program" in terms and "program" in terms["program"]
    assert background.body_markdown.startswith("## ")
    assert "```python" in background.body_markdown
    assert "Learning Objectives" not in background.body_markdown


def test_glossary_definitions_become_key_terms() -> None:
    modules = [
        m
        for c in parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK)
        for ch in c.chapters
        for m in ch.modules
    ]
    defined = [t for m in modules for t in m.key_terms if t["definition"]]
    assert len(defined) > 100
    assert any(m.objectives for m in modules)


@pytest.mark.parametrize("book", BOOKS)
def test_zip_round_trip(book: str) -> None:
    data = zip_book(BOOKS_DIR / book)
    assert counts(parse_collection_zip(data)) == expected_tuples(BOOKS_DIR / book)


@pytest.mark.parametrize(
    "entry",
    ["../evil.xml", "/etc/evil.xml", "book/../../evil.xml", "C:/evil.xml", "book\\..\\evil.xml"],
)
def test_zip_slip_is_refused(entry: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("book/collections/x.collection.xml", "<x/>")
        archive.writestr(entry, "boom")
    with pytest.raises(ImportRejected, match="unsafe path"):
        parse_collection_zip(buffer.getvalue())


def test_zip_limits_are_enforced() -> None:
    data = zip_book(BOOKS_DIR / PYTHON_BOOK)
    with pytest.raises(ImportRejected, match="more than 10 files"):
        parse_collection_zip(data, max_files=10)
    with pytest.raises(ImportRejected, match="unpacks to more than"):
        parse_collection_zip(data, max_uncompressed_bytes=100_000)
    with pytest.raises(ImportRejected, match="not a valid zip"):
        parse_collection_zip(b"not a zip")


# --- malformed input: a two-module copy of the Python book, broken on purpose -------------------


def test_the_small_book_parses(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    assert counts(parse_collection_dir(book)) == expected_tuples(book)


def test_nested_parts_and_their_loose_modules_are_kept(tmp_path: Path) -> None:
    book = small_book(tmp_path, NESTED_COLLECTION)
    (collection,) = parse_collection_dir(book)
    assert counts([collection]) == expected_tuples(book)
    outline = [(c.title, c.group_title, len(c.modules)) for c in collection.chapters]
    (chapter,) = chapter_outline(book)
    assert outline == [("Outer / Inner", "Outer / Inner", 1), chapter]


def test_unclosed_tag_names_module_and_line(tmp_path: Path) -> None:
    module = small_book(tmp_path) / "modules" / "m00002" / "index.cnxml"
    insert_line(module, "<content>", "<para id='broken'>never closed")
    with pytest.raises(etree.XMLSyntaxError) as syntax:
        etree.fromstring(module.read_bytes())
    with pytest.raises(CnxmlError) as error:
        parse_collection_dir(tmp_path / "small")
    assert error.value.details == {"module": "m00002", "line": syntax.value.lineno}
    assert error.value.line is not None and error.value.line > 1


def test_missing_module_names_collection_and_line(tmp_path: Path) -> None:
    collection = small_book(tmp_path) / "collections" / "small.collection.xml"
    line = insert_line(collection, 'document="m00002"', '<col:module document="m99999"/>')
    with pytest.raises(CnxmlError, match="m99999") as error:
        parse_collection_dir(tmp_path / "small")
    assert error.value.details == {"module": "collections/small.collection.xml", "line": line}


def test_module_reference_cannot_leave_the_book(tmp_path: Path) -> None:
    collection = small_book(tmp_path) / "collections" / "small.collection.xml"
    line = insert_line(collection, 'document="m00002"', '<col:module document="../../etc"/>')
    with pytest.raises(CnxmlError, match="invalid module id") as error:
        parse_collection_dir(tmp_path / "small")
    assert error.value.line == line


def test_exercise_without_problem_names_module_and_line(tmp_path: Path) -> None:
    module = small_book(tmp_path) / "modules" / "m00001" / "index.cnxml"
    line = insert_line(module, "<content", "<exercise id='x1'><para>No problem</para></exercise>")
    with pytest.raises(CnxmlError, match="no problem") as error:
        parse_collection_dir(tmp_path / "small")
    assert error.value.details == {"module": "m00001", "line": line}


def test_module_without_title_is_refused(tmp_path: Path) -> None:
    module = small_book(tmp_path) / "modules" / "m00001" / "index.cnxml"
    text = module.read_text()
    module.write_text(
        text.replace("<title>Introduction</title>", "").replace(
            "<md:title>Introduction</md:title>", ""
        )
    )
    with pytest.raises(CnxmlError, match="no title") as error:
        parse_collection_dir(tmp_path / "small")
    assert error.value.details == {"module": "m00001", "line": 1}
