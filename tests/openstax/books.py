"""Small books for tests: a two-module copy of a real book, zipped books, line edits."""

import io
import zipfile
from pathlib import Path

from tests.openstax import BOOKS_DIR, PYTHON_BOOK

SMALL_COLLECTION = """<col:collection xmlns:col="http://cnx.rice.edu/collxml"
  xmlns:md="http://cnx.rice.edu/mdml" xmlns="http://cnx.rice.edu/collxml">
  <col:metadata><md:title>Small</md:title><md:slug>small</md:slug></col:metadata>
  <col:content>
    <col:subcollection>
      <md:title>One</md:title>
      <col:content>
        <col:module document="m00001"/>
        <col:module document="m00002"/>
      </col:content>
    </col:subcollection>
  </col:content>
</col:collection>
"""

# The same two modules nested deeper: a part inside a part holds a loose module and a chapter.
NESTED_COLLECTION = """<col:collection xmlns:col="http://cnx.rice.edu/collxml"
  xmlns:md="http://cnx.rice.edu/mdml" xmlns="http://cnx.rice.edu/collxml">
  <col:metadata><md:title>Nested</md:title><md:slug>nested</md:slug></col:metadata>
  <col:content>
    <col:subcollection>
      <md:title>Outer</md:title>
      <col:content>
        <col:subcollection>
          <md:title>Inner</md:title>
          <col:content>
            <col:module document="m00001"/>
            <col:subcollection>
              <md:title>One</md:title>
              <col:content><col:module document="m00002"/></col:content>
            </col:subcollection>
          </col:content>
        </col:subcollection>
      </col:content>
    </col:subcollection>
  </col:content>
</col:collection>
"""


def small_book(tmp_path: Path, collection: str = SMALL_COLLECTION) -> Path:
    book = tmp_path / "small"
    (book / "collections").mkdir(parents=True)
    (book / "collections" / "small.collection.xml").write_text(collection)
    for module in ("m00001", "m00002"):
        (book / "modules" / module).mkdir(parents=True)
        source = BOOKS_DIR / PYTHON_BOOK / "modules" / module / "index.cnxml"
        (book / "modules" / module / "index.cnxml").write_bytes(source.read_bytes())
    return book


def insert_line(path: Path, after_marker: str, text: str) -> int:
    """Put ``text`` on a line after the first line holding ``after_marker``; return its number."""
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if after_marker in line) + 1
    lines.insert(index, text)
    path.write_text("\n".join(lines) + "\n")
    return index + 1


def zip_book(book_dir: Path, top: str = "book") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(book_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(book_dir).as_posix()}")
    return buffer.getvalue()
