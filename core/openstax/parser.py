"""Parse OpenStax books (collection XML + CNXML modules), from a folder or a zip, into dataclasses.

A chapter is a subcollection of modules. A subcollection that holds subcollections groups
chapters (an OpenStax "unit", as in unit → chapter → section books): its chapters keep its
title as their ``group_title``. Modules outside any chapter (prefaces, appendices) are kept: each
run of them becomes a unit of its own, "Front matter" before the first chapter and "Back matter"
after one (inside a group, the group's title).
"""

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from lxml import etree

from core.curriculum.models import ItemKind
from core.errors import ImportRejected
from core.openstax.markdown import (
    CNXML_NS,
    classes,
    item_label,
    local_name,
    to_inline,
    to_markdown,
)

COLLXML_NS = "http://cnx.rice.edu/collxml"
MDML_NS = "http://cnx.rice.edu/mdml"
NS = {"col": COLLXML_NS, "md": MDML_NS, "c": CNXML_NS}
DEFAULT_MAX_FILES = 20_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024

_MODULE_ID = re.compile(r"[A-Za-z0-9_-]+")
_BOOK_ROOT_COLLECTION = re.compile(r"^((?:[^/]+/)?)collections/[^/]+\.collection\.xml$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LETTER_ANSWER = re.compile(r"^\(?([a-z])\)?(?:[.)]\s*(.*))?$", re.IGNORECASE | re.DOTALL)


class CnxmlError(ImportRejected):
    """Malformed book content; ``details`` names the module (or file) and the source line."""

    def __init__(self, module: str, line: int | None, message: str) -> None:
        super().__init__(f"{module}:{line or '?'}: {message}", {"module": module, "line": line})
        self.module = module
        self.line = line


@dataclass(frozen=True)
class ParsedExercise:
    source_key: str
    kind: ItemKind
    prompt: str
    options: list[dict[str, str]]
    answer: str | None
    solution: str


@dataclass(frozen=True)
class ParsedModule:
    module_id: str
    title: str
    objectives: list[str]
    key_terms: list[dict[str, str]]
    body_markdown: str
    exercises: list[ParsedExercise]


@dataclass(frozen=True)
class ParsedChapter:
    source_key: str
    title: str
    position: int
    modules: list[ParsedModule]
    # The titles of the subcollections that group this chapter, outermost first, " / "-joined.
    group_title: str | None = None


@dataclass(frozen=True)
class ParsedCollection:
    source_key: str
    title: str
    chapters: list[ParsedChapter]


class BookSource(Protocol):
    """Where a book's files come from: paths are relative to the book root, '/'-separated."""

    def collection_paths(self) -> list[str]: ...

    def read(self, path: str) -> bytes | None: ...


class DirectorySource:
    def __init__(self, root: Path) -> None:
        self.root = root

    def collection_paths(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in (self.root / "collections").glob("*.collection.xml")
        )

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        return file.read_bytes() if file.is_file() else None


class ZipSource:
    """A book zipped with ``collections/`` and ``modules/`` at its root or under one top folder."""

    def __init__(self, archive: zipfile.ZipFile, max_files: int, max_bytes: int) -> None:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_archive(infos, max_files, max_bytes)
        self.archive = archive
        self.names = {info.filename for info in infos}
        self.prefix = _book_prefix(self.names)

    def collection_paths(self) -> list[str]:
        return sorted(
            name[len(self.prefix) :]
            for name in self.names
            if name.startswith(self.prefix + "collections/") and name.endswith(".collection.xml")
        )

    def read(self, path: str) -> bytes | None:
        name = self.prefix + path
        return self.archive.read(name) if name in self.names else None


def parse_collection_dir(
    book_dir: Path, collection_file: Path | None = None
) -> list[ParsedCollection]:
    """Parse every collection of a book folder, or only ``collection_file``."""
    source = DirectorySource(book_dir)
    if collection_file is None:
        return parse_book(source)
    path = (book_dir / collection_file).resolve()
    if not path.is_relative_to(book_dir.resolve()):
        raise ImportRejected(
            "the collection file is outside the book folder", {"module": str(collection_file)}
        )
    return parse_book(source, [path.relative_to(book_dir.resolve()).as_posix()])


def parse_collection_zip(
    data: bytes,
    *,
    max_files: int = DEFAULT_MAX_FILES,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> list[ParsedCollection]:
    """Parse every collection of a zipped book, refusing unsafe or oversized archives."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return parse_book(ZipSource(archive, max_files, max_uncompressed_bytes))
    except zipfile.BadZipFile as error:
        raise ImportRejected("not a valid zip archive", {"reason": str(error)}) from error


def parse_book(
    source: BookSource, collection_paths: list[str] | None = None
) -> list[ParsedCollection]:
    """Parse the named collections (all of them by default); modules are parsed once and shared."""
    paths = collection_paths if collection_paths is not None else source.collection_paths()
    if not paths:
        raise ImportRejected("the book has no collections/*.collection.xml", {"module": None})
    modules: dict[str, ParsedModule] = {}
    return [_parse_collection(source, path, modules) for path in paths]


def _check_archive(infos: list[zipfile.ZipInfo], max_files: int, max_bytes: int) -> None:
    if len(infos) > max_files:
        raise ImportRejected(
            f"the archive holds more than {max_files} files", {"files": len(infos)}
        )
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ImportRejected(
            f"the archive unpacks to more than {max_bytes} bytes", {"bytes": total}
        )
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in name:
            raise ImportRejected("the archive holds an unsafe path", {"entry": name})


def _book_prefix(names: set[str]) -> str:
    """'' or 'top/': where collections/ sits; at most one folder deep, and only one such place."""
    prefixes = {match.group(1) for name in names if (match := _BOOK_ROOT_COLLECTION.match(name))}
    if len(prefixes) != 1:
        raise ImportRejected(
            "the archive needs exactly one collections/ folder, at most one folder deep",
            {"found": sorted(prefixes)},
        )
    return prefixes.pop()


def _parse_xml(data: bytes, origin: str) -> etree._Element:
    # A parser per document: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise CnxmlError(origin, error.lineno, error.msg) from error


def _parse_collection(
    source: BookSource, path: str, modules: dict[str, ParsedModule]
) -> ParsedCollection:
    data = source.read(path)
    if data is None:
        raise CnxmlError(path, None, "collection file not found")
    root = _parse_xml(data, path)
    title = _first_text(root, "*/md:title")
    if not title:
        raise CnxmlError(path, root.sourceline, "collection has no title")
    slug = _first_text(root, "*/md:slug") or _first_text(root, "*/md:uuid") or Path(path).stem
    content = root.find("col:content", NS)
    if content is None:
        raise CnxmlError(path, root.sourceline, "collection has no content")
    chapters = _parse_chapters(source, path, content, modules)
    return ParsedCollection(source_key=f"openstax:{slug}", title=title, chapters=chapters)


def _parse_chapters(
    source: BookSource, path: str, content: etree._Element, modules: dict[str, ParsedModule]
) -> list[ParsedChapter]:
    outline = _Outline(source, path, modules)
    outline.walk(content, None)
    return outline.chapters


class _Outline:
    """Walks a collection's content tree into chapters, numbered in reading order."""

    def __init__(self, source: BookSource, path: str, modules: dict[str, ParsedModule]) -> None:
        self.source = source
        self.path = path
        self.modules = modules
        self.chapters: list[ParsedChapter] = []
        self.numbered = 0
        self.seen: set[str] = set()

    def walk(self, content: etree._Element, group: str | None) -> None:
        """Add the chapters under ``content``; runs of loose modules become units of their own."""
        loose: list[ParsedModule] = []
        for child in content:
            name = local_name(child)
            if name == "module":
                loose.append(self.module(child))
            elif name == "subcollection":
                self.close_matter(loose, group)
                self.subcollection(child, group)
        self.close_matter(loose, group)

    def subcollection(self, element: etree._Element, group: str | None) -> None:
        title = _first_text(element, "md:title")
        inner = element.find("col:content", NS)
        if inner is not None and _holds_subcollections(inner):
            self.walk(inner, " / ".join(filter(None, (group, title))) or None)
            return
        self.numbered += 1
        members = [self.module(ref) for ref in element.iterfind(".//col:module", NS)]
        self.add(f"chapter:{self.numbered}", title or f"Chapter {self.numbered}", members, group)

    def close_matter(self, loose: list[ParsedModule], group: str | None) -> None:
        if not loose:
            return
        if group is None:
            title = "Back matter" if self.numbered else "Front matter"
            self.add(f"matter:{self.numbered}", title, list(loose), None)
        else:  # the position keeps it apart from a top-level run after the same chapter
            self.add(f"group-matter:{len(self.chapters)}", group, list(loose), group)
        loose.clear()

    def add(self, key: str, title: str, members: list[ParsedModule], group: str | None) -> None:
        self.chapters.append(ParsedChapter(key, title, len(self.chapters), members, group))

    def module(self, ref: etree._Element) -> ParsedModule:
        return _module(self.source, self.path, ref, self.modules, self.seen)


def _holds_subcollections(content: etree._Element) -> bool:
    return any(local_name(child) == "subcollection" for child in content)


def _module(
    source: BookSource,
    path: str,
    ref: etree._Element,
    modules: dict[str, ParsedModule],
    seen: set[str],
) -> ParsedModule:
    module_id = ref.get("document") or ""
    if not _MODULE_ID.fullmatch(module_id):  # it becomes part of a file path
        raise CnxmlError(path, ref.sourceline, f"invalid module id {module_id!r}")
    if module_id in seen:
        raise CnxmlError(path, ref.sourceline, f"module {module_id} appears twice")
    seen.add(module_id)
    if module_id not in modules:
        data = source.read(f"modules/{module_id}/index.cnxml")
        if data is None:
            raise CnxmlError(path, ref.sourceline, f"module {module_id} is missing")
        modules[module_id] = parse_module(module_id, data)
    return modules[module_id]


def parse_module(module_id: str, data: bytes) -> ParsedModule:
    """Parse one CNXML document: title, objectives, key terms, Markdown body, exercises."""
    root = _parse_xml(data, module_id)
    title = _first_text(root, "c:title") or _first_text(root, "c:metadata/md:title")
    if not title:
        raise CnxmlError(module_id, root.sourceline, "module has no title")
    content = root.find("c:content", NS)
    if content is None:
        raise CnxmlError(module_id, root.sourceline, "module has no content")
    return ParsedModule(
        module_id=module_id,
        title=title,
        objectives=_objectives(root, content),
        key_terms=_key_terms(root, content),
        body_markdown=to_markdown(content, omit=_omitted_from_body),
        exercises=_exercises(module_id, content),
    )


def _exercises(module_id: str, content: etree._Element) -> list[ParsedExercise]:
    """Every exercise, keyed by its id (or module#n when the id is absent or repeated)."""
    exercises: list[ParsedExercise] = []
    keys: set[str] = set()
    for number, element in enumerate(content.iterfind(".//c:exercise", NS), start=1):
        key = element.get("id") or ""
        key = key if key and key not in keys else f"{module_id}#{number}"
        keys.add(key)
        exercises.append(_exercise(module_id, key, element))
    return exercises


def _omitted_from_body(element: etree._Element) -> bool:
    """Objectives are stored apart; exercises become assessment items unless worked examples."""
    name = local_name(element)
    if name in ("section", "note"):
        return _is_objectives(element)
    parent = element.getparent()
    return name == "exercise" and (parent is None or local_name(parent) != "example")


def _is_objectives(element: etree._Element) -> bool:
    return any(token.endswith("objectives") for token in classes(element))


def _objectives(root: etree._Element, content: etree._Element) -> list[str]:
    """Items of the content's objectives blocks, then of the abstract ("By the end of this
    section, you will be able to:" in the metadata, where Anatomy and Physiology states them)."""
    blocks = [
        el
        for el in content.iter(f"{{{CNXML_NS}}}section", f"{{{CNXML_NS}}}note")
        if _is_objectives(el)
    ]
    items = [item for block in blocks for item in block.iterfind(".//c:item", NS)]
    items += root.iterfind("c:metadata/md:abstract//c:item", NS)
    return list(dict.fromkeys(text for item in items if (text := to_inline(item))))


def _key_terms(root: etree._Element, content: etree._Element) -> list[dict[str, str]]:
    terms: dict[str, dict[str, str]] = {}
    for definition in root.iterfind("c:glossary/c:definition", NS):
        term = _first_text(definition, "c:term")
        meaning = definition.find("c:meaning", NS)
        if term:
            text = to_inline(meaning) if meaning is not None else ""
            terms.setdefault(term.lower(), {"term": term, "definition": text})
    for element in content.iter(f"{{{CNXML_NS}}}term"):
        term = _collapse_text(element)
        if term and term.lower() not in terms:
            terms[term.lower()] = {"term": term, "definition": _sentence_around(element)}
    return list(terms.values())


def _sentence_around(term: etree._Element) -> str:
    """The sentence of the enclosing paragraph in which an inline term is introduced."""
    parent = term.getparent()
    while parent is not None and local_name(parent) not in ("para", "item", "meaning"):
        parent = parent.getparent()
    if parent is None:
        return ""
    before: list[str] = []
    after: list[str] = []
    target = before
    for event, element in etree.iterwalk(parent, events=("start", "end")):
        if event == "start":
            if element is term:
                target = after
            target.append(element.text or "")
        elif element is not parent:
            target.append(element.tail or "")
    head = _SENTENCE_END.split("".join(before))[-1]
    tail = _SENTENCE_END.split("".join(after), maxsplit=1)[0]
    return " ".join((head + tail).split())


def _exercise(module_id: str, source_key: str, exercise: etree._Element) -> ParsedExercise:
    problem = exercise.find("c:problem", NS)
    if problem is None:
        raise CnxmlError(module_id, exercise.sourceline, "exercise has no problem")
    solution = "\n\n".join(to_markdown(s) for s in exercise.iterfind("c:solution", NS))
    choices = problem.findall(".//c:list[@number-style='lower-alpha']", NS)
    if len(choices) == 1:
        options = _options(choices[0])
        answer = _answer_letter(solution, options)
        if answer is not None:
            prompt = to_markdown(problem, omit=lambda el: el is choices[0])
            return ParsedExercise(
                source_key, ItemKind.MULTIPLE_CHOICE, prompt, options, answer, solution
            )
    prompt = to_markdown(problem)
    return ParsedExercise(source_key, ItemKind.FREE_RESPONSE, prompt, [], None, solution)


def _options(choice_list: etree._Element) -> list[dict[str, str]]:
    items = [item for item in choice_list if local_name(item) == "item"]
    return [
        {"label": item_label("lower-alpha", index), "text": to_inline(item)}
        for index, item in enumerate(items)
    ]


def _answer_letter(solution: str, options: list[dict[str, str]]) -> str | None:
    """The option a solution names: 'b', '(b)', or 'b. <that option's text>'."""
    match = _LETTER_ANSWER.match(solution.strip())
    if match is None:
        return None
    letter, rest = match.group(1).lower(), _normalise(match.group(2) or "")
    option = next((o for o in options if o["label"] == letter), None)
    if option is None or (rest and rest != _normalise(option["text"])):
        return None
    return letter


def _normalise(text: str) -> str:
    return re.sub(r"[\s*`]+", " ", text).strip().rstrip(".").strip().lower()


def _collapse_text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _first_text(element: etree._Element, xpath: str) -> str:
    found = element.xpath(xpath, namespaces=NS)
    return _collapse_text(found[0]) if isinstance(found, list) and found else ""
