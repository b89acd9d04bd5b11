"""OpenStax importer tests: the real books, read at run time, and counts derived from their XML.

The expectations below use a few XPath lines of their own (not the parser) so that parser and test
can disagree. The books live outside the repository: ``<repo>/../shared/data/openstax`` by default,
or ``WC_OPENSTAX_DIR``.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

BOOKS_DIR = Path(
    os.environ.get("WC_OPENSTAX_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "openstax"
)
PYTHON_BOOK = "introduction-python-programming"
STATISTICS_BOOK = "introductory-statistics-bundle"
ANATOMY_BOOK = "anatomy-physiology"  # unit → chapter → section
NS = {
    "col": "http://cnx.rice.edu/collxml",
    "md": "http://cnx.rice.edu/mdml",
    "c": "http://cnx.rice.edu/cnxml",
}


# Chapters are the subcollections without subcollections; the others group them. A group counts
# where it holds a chapter or a module itself (nested groups give one group, their joined titles).
CHAPTERS = "//col:subcollection[not(col:content/col:subcollection)]"
GROUPS = (
    "//col:subcollection[col:content/col:subcollection]"
    "[col:content/col:module or col:content/col:subcollection[not(col:content/col:subcollection)]]"
)
# A run of loose modules (outside chapters) starts where the previous sibling is not a module.
LOOSE_RUNS = (
    "//col:content[not(parent::col:subcollection) or col:subcollection]"
    "/col:module[not(preceding-sibling::*[1][self::col:module])]"
)


@dataclass(frozen=True)
class Expected:
    """What one collection becomes: units (chapters + runs of loose modules), lessons, items."""

    source_key: str
    chapters: int
    lessons: int
    exercises: int
    groups: int


def expected_counts(book_dir: Path) -> dict[str, Expected]:
    """Counts per collection source key, computed from the collection and module XML."""
    expected = {}
    for path in sorted((book_dir / "collections").glob("*.collection.xml")):
        collection = etree.parse(str(path))
        slug = collection.xpath("string(/col:collection/*/md:slug)", namespaces=NS)
        runs, chapters, groups = (
            int(collection.xpath(f"count({xpath})", namespaces=NS))
            for xpath in (LOOSE_RUNS, CHAPTERS, GROUPS)
        )
        modules = collection.xpath("//col:module/@document", namespaces=NS)
        exercises = sum(
            int(
                etree.parse(str(book_dir / "modules" / m / "index.cnxml")).xpath(
                    "count(//c:exercise)", namespaces=NS
                )
            )
            for m in modules
        )
        key = f"openstax:{slug}"
        expected[key] = Expected(key, runs + chapters, len(modules), exercises, groups)
    return expected


def chapter_outline(book_dir: Path) -> list[tuple[str, str | None, int]]:
    """(chapter title, the titles of the subcollections around it or None, modules), in order."""
    (path,) = (book_dir / "collections").glob("*.collection.xml")
    outline = []
    for chapter in etree.parse(str(path)).xpath(CHAPTERS, namespaces=NS):
        groups = chapter.xpath("ancestor::col:subcollection/md:title/text()", namespaces=NS)
        title = " ".join(chapter.xpath("string(md:title)", namespaces=NS).split())
        modules = len(chapter.xpath(".//col:module", namespaces=NS))
        outline.append((title, " / ".join(groups) or None, modules))
    return outline
