"""Structure-aware chunking of a lesson: sections by heading, whole blocks, exercises apart.

Why our own chunker rather than LlamaIndex's ``MarkdownNodeParser`` + ``SentenceSplitter``: the
Markdown parser only splits on headings and the sentence splitter then cuts by token count, which
can break a fenced code block, a table or a list in two. Lessons here are Markdown we produce
ourselves (the editor and the OpenStax importer), so a small block parser that knows fences,
tables, lists and block quotes keeps every such block whole with ~150 lines and no dependency.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ChunkKind = Literal["text", "exercise", "definition"]
TokenCounter = Callable[[str], int]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_WORD_PIECE = re.compile(r"\w+|[^\w\s]")


def approximate_tokens(text: str) -> int:
    """Words and punctuation marks: a close, model-free proxy of a word-piece count."""
    return len(_WORD_PIECE.findall(text))


@dataclass(frozen=True)
class ExerciseContent:
    item_id: uuid.UUID
    prompt: str
    options: list[dict[str, str]] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [self.prompt.strip()]
        lines += [f"{o.get('label', '')}) {o.get('text', '')}".strip() for o in self.options]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class LessonContent:
    """Everything of a lesson that its chunks are built from (and its content hash covers)."""

    course_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_title: str
    chapter_title: str
    source_module: str | None
    objectives: list[str]
    body_markdown: str
    exercises: list[ExerciseContent] = field(default_factory=list)
    # The lesson's glossary and introduced terms: ``{"term", "definition"}`` (the importer's shape).
    key_terms: list[dict[str, str]] = field(default_factory=list)

    def content_hash(self) -> str:
        material: dict[str, object] = {
            "title": self.lesson_title,
            "chapter": self.chapter_title,
            "source_module": self.source_module,
            "objectives": self.objectives,
            "body": self.body_markdown,
            "exercises": [[str(e.item_id), e.prompt, e.options] for e in self.exercises],
        }
        if self.key_terms:  # lessons without terms keep the hash they had before terms counted
            material["key_terms"] = [[t["term"], t.get("definition", "")] for t in self.key_terms]
        encoded = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class Chunk:
    kind: ChunkKind
    heading_path: list[str]
    text: str
    metadata: dict[str, Any]

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    def embedding_text(self) -> str:
        """The heading path in front of the text: a chunk read alone still says where it is."""
        return f"{self.heading}\n{self.text}"


def split_blocks(markdown: str) -> list[str]:
    """Top-level Markdown blocks: fenced code, headings, tables, lists, quotes, paragraphs."""
    blocks: list[str] = []
    lines = markdown.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            end = _closing_fence(lines, i, fence.group(1))
            blocks.append("\n".join(lines[i : end + 1]))
            i = end + 1
        elif not line.strip():
            i += 1
        elif _HEADING.match(line):
            blocks.append(line)
            i += 1
        else:
            start = i
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i], start, i):
                i += 1
            _append_block(blocks, "\n".join(lines[start:i]))
    return blocks


def _starts_block(line: str, start: int, index: int) -> bool:
    return index > start and (bool(_FENCE.match(line)) or bool(_HEADING.match(line)))


def _closing_fence(lines: list[str], start: int, marker: str) -> int:
    for j in range(start + 1, len(lines)):
        if lines[j].strip().startswith(marker[0] * len(marker)):
            return j
    return len(lines) - 1


def _append_block(blocks: list[str], block: str) -> None:
    """A loose list (blank lines between items or indented continuations) stays one block."""
    previous = blocks[-1] if blocks else ""
    continues_list = _LIST_ITEM.match(previous) is not None and (
        _LIST_ITEM.match(block) is not None or block.startswith(("  ", "\t"))
    )
    if continues_list:
        blocks[-1] = f"{previous}\n\n{block}"
    else:
        blocks.append(block)


def _split_quote(block: str, count: TokenCounter, max_tokens: int) -> list[str]:
    """An oversized block quote splits between its own inner blocks, each re-quoted."""
    if not block.startswith(">") or count(block) <= max_tokens:
        return [block]
    inner = "\n".join(re.sub(r"^> ?", "", line) for line in block.split("\n"))
    parts = [
        piece
        for inner_block in split_blocks(inner)
        for piece in _split_quote(inner_block, count, max_tokens)
    ]
    if len(parts) <= 1:
        return [block]
    return ["\n".join(f"> {line}".rstrip() for line in part.split("\n")) for part in parts]


def _sections(markdown: str) -> Iterator[tuple[list[str], list[str]]]:
    """(heading path below the lesson title, blocks) for each run of blocks under one heading."""
    path: list[tuple[int, str]] = []
    blocks: list[str] = []
    for block in split_blocks(markdown):
        heading = _HEADING.match(block)
        if heading is None:
            blocks.append(block)
            continue
        if blocks:
            yield [title for _, title in path], blocks
            blocks = []
        level = len(heading.group(1))
        path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, heading.group(2))]
    if blocks:
        yield [title for _, title in path], blocks


def _pack(blocks: list[str], count: TokenCounter, max_tokens: int) -> Iterator[str]:
    """Greedy packing of whole blocks up to the budget; a single larger block stands alone."""
    current: list[str] = []
    size = 0
    for block in blocks:
        tokens = count(block)
        if current and size + tokens > max_tokens:
            yield "\n\n".join(current)
            current, size = [], 0
        current.append(block)
        size += tokens
    if current:
        yield "\n\n".join(current)


def definition_text(term: Mapping[str, str]) -> str:
    """A key term's passage: "term: definition", or "" when the term has no definition."""
    name, meaning = term.get("term", "").strip(), term.get("definition", "").strip()
    return f"{name}: {meaning}" if name and meaning else ""


def split_definition(passage: str) -> tuple[str, str] | None:
    """A definition chunk's (term, definition): the inverse of ``definition_text``."""
    name, separator, meaning = passage.partition(": ")
    return (name.strip(), meaning.strip()) if separator and name.strip() and meaning else None


def chunk_lesson(
    lesson: LessonContent, *, max_tokens: int = 240, count: TokenCounter = approximate_tokens
) -> list[Chunk]:
    """Text chunks section by section, one chunk per defined key term ("term: definition", the
    passage that settles what a term means), then one per exercise; never an empty result."""
    base = {
        "course_id": str(lesson.course_id),
        "chapter_title": lesson.chapter_title,
        "lesson_id": str(lesson.lesson_id),
        "lesson_title": lesson.lesson_title,
        "source_module": lesson.source_module,
        "objectives": list(lesson.objectives),
    }
    chunks: list[Chunk] = []
    for section_path, blocks in _sections(lesson.body_markdown):
        pieces = [p for block in blocks for p in _split_quote(block, count, max_tokens)]
        path = [lesson.lesson_title, *section_path]
        for text in _pack(pieces, count, max_tokens):
            chunks.append(Chunk("text", path, text, {**base, "heading_path": path, "kind": "text"}))
    if not chunks:
        overview = "\n".join([lesson.lesson_title, *lesson.objectives])
        path = [lesson.lesson_title]
        chunks.append(Chunk("text", path, overview, {**base, "heading_path": path, "kind": "text"}))
    for term in lesson.key_terms:
        if text := definition_text(term):
            path = [lesson.lesson_title, "Key terms"]
            metadata = {**base, "heading_path": path, "kind": "definition", "term": term["term"]}
            chunks.append(Chunk("definition", path, text, metadata))
    for exercise in lesson.exercises:
        text = exercise.as_text()
        if not text:
            continue
        path = [lesson.lesson_title, "Exercise"]
        metadata = {**base, "heading_path": path, "kind": "exercise"}
        chunks.append(Chunk("exercise", path, text, {**metadata, "item_id": str(exercise.item_id)}))
    return chunks
