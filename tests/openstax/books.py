"""Small books for tests: copies of some modules of a real book, zipped books, line edits."""

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


# Some modules of a real book as one chapter.
EXCERPT_COLLECTION = """<col:collection xmlns:col="http://cnx.rice.edu/collxml"
  xmlns:md="http://cnx.rice.edu/mdml" xmlns="http://cnx.rice.edu/collxml">
  <col:metadata><md:title>{title}</md:title><md:slug>{slug}</md:slug></col:metadata>
  <col:content>
    <col:subcollection>
      <md:title>One</md:title>
      <col:content>
{modules}
      </col:content>
    </col:subcollection>
  </col:content>
</col:collection>
"""


def small_book(tmp_path: Path, collection: str = SMALL_COLLECTION) -> Path:
    return copied_book(tmp_path / "small", PYTHON_BOOK, ["m00001", "m00002"], collection)


def book_excerpt(tmp_path: Path, book: str, modules: list[str], slug: str) -> Path:
    """Some modules of a real book as a one-chapter book whose course is titled ``slug``."""
    listed = "\n".join(f'        <col:module document="{m}"/>' for m in modules)
    collection = EXCERPT_COLLECTION.format(title=slug.title(), slug=slug, modules=listed)
    return copied_book(tmp_path / slug, book, modules, collection)


def copied_book(folder: Path, book: str, modules: list[str], collection: str) -> Path:
    """A book folder holding ``collection`` and, copied at run time, ``modules`` of ``book``."""
    (folder / "collections").mkdir(parents=True)
    (folder / "collections" / f"{folder.name}.collection.xml").write_text(collection)
    for module in modules:
        (folder / "modules" / module).mkdir(parents=True)
        source = BOOKS_DIR / book / "modules" / module / "index.cnxml"
        (folder / "modules" / module / "index.cnxml").write_bytes(source.read_bytes())
    return folder


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
