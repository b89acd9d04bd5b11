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
NS = {
    "col": "http://cnx.rice.edu/collxml",
    "md": "http://cnx.rice.edu/mdml",
    "c": "http://cnx.rice.edu/cnxml",
}


@dataclass(frozen=True)
class Expected:
    """What one collection becomes: units (chapters + runs of loose modules), lessons, items."""

    source_key: str
    chapters: int
    lessons: int
    exercises: int


def expected_counts(book_dir: Path) -> dict[str, Expected]:
    """Counts per collection source key, computed from the collection and module XML."""
    expected = {}
    for path in sorted((book_dir / "collections").glob("*.collection.xml")):
        collection = etree.parse(str(path))
        slug = collection.xpath("string(/col:collection/*/md:slug)", namespaces=NS)
        # A run of top-level modules starts where the previous sibling is not a module.
        runs = collection.xpath(
            "count(/col:collection/col:content/col:module"
            "[not(preceding-sibling::*[1][self::col:module])])",
            namespaces=NS,
        )
        chapters = collection.xpath(
            "count(/col:collection/col:content/col:subcollection)", namespaces=NS
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
        expected[key] = Expected(key, int(runs + chapters), len(modules), exercises)
    return expected
