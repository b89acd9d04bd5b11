"""CNXML → Markdown: readable text for lesson bodies, exercise prompts and solutions.

The aim is text a learner can read and search, not a faithful renderer: images and interactive
embeds become short placeholders and MathML becomes linear text such as ``(x̄ - m)/(s/√(n))``.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

CNXML_NS = "http://cnx.rice.edu/cnxml"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"

Omit = Callable[[etree._Element], bool]

_ROMAN = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
_BLOCK_TAGS = frozenset(
    {
        "para",
        "section",
        "list",
        "table",
        "figure",
        "note",
        "example",
        "exercise",
        "problem",
        "solution",
        "commentary",
        "equation",
        "glossary",
        "definition",
        "div",
        "preformat",
        "quote",
        "content",
        "item",
    }
)
_INLINE_CODE_PARENTS = frozenset(
    {
        "para",
        "item",
        "entry",
        "emphasis",
        "title",
        "caption",
        "term",
        "meaning",
        "link",
        "label",
        "quote",
        "cite",
    }
)
_MD_SENSITIVE = re.compile(r"[_*^`\[\]<>\\]")
_SPACES = re.compile(r"[ \t\r\n]+")
_REFERENCE_WORDS = {"para": "paragraph", "list": "list", "exercise": "exercise", "media": "figure"}
_OVERBARS = frozenset({"¯", "‾", "-", "―", "_", "–", "—", "¯¯"})
_BREAK = "\u2028"  # an explicit <newline/>, told apart from source line breaks until _collapse
_RELATIONS = frozenset("=<>≤≥≠≈±+−-×·→∣|")  # noqa: RUF001 (math operators)


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def item_label(number_style: str | None, index: int) -> str:
    """The marker of the ``index``-th (0-based) item of a list with this ``number-style``."""
    number = index + 1
    if number_style in ("lower-alpha", "upper-alpha"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if number_style == "upper-alpha" else letters
    if number_style in ("lower-roman", "upper-roman"):
        numeral = ""
        for value, symbol in _ROMAN:
            count, number = divmod(number, value)
            numeral += symbol * count
        return numeral.upper() if number_style == "upper-roman" else numeral
    return str(number)


def to_markdown(element: etree._Element, *, omit: Omit | None = None) -> str:
    """Render a CNXML element and its descendants as Markdown (``omit`` drops chosen elements)."""
    renderer = _Renderer(omit or (lambda _: False))
    blocks = renderer.flow(element, depth=1)
    blocks += [f"[^{n}]: {text}" for n, text in enumerate(renderer.footnotes, start=1)]
    return "\n\n".join(block for block in blocks if block.strip()).strip()


def to_inline(element: etree._Element) -> str:
    """Render an element's content as one line of Markdown (list items, glossary meanings)."""
    renderer = _Renderer(lambda _: False)
    return " ".join(" ".join(renderer.flow(element, depth=1)).split())


def math_text(element: etree._Element) -> str:
    """Linear text of a MathML element: fractions as (a)/(b), powers as a^b, x̄ for overbars."""
    name = local_name(element)
    parts = [math_text(child) for child in element if local_name(child)]
    handler = _MATH_HANDLERS.get(name)
    if handler is not None and parts:
        return handler(element, parts)
    if name in ("mi", "mn", "mtext", "ms"):
        return _SPACES.sub(" ", element.text or "").strip()
    if name == "mo":
        operator = (element.text or "").strip()
        return f" {operator} " if operator in _RELATIONS else operator
    if name == "mspace":
        return " "
    if name == "annotation":
        return ""
    return "".join(parts)


def _group(text: str) -> str:
    text = text.strip()
    simple = len(text) <= 1 or text.replace(".", "").isalnum()
    return text if simple else f"({text})"


def _over(element: etree._Element, parts: list[str]) -> str:
    base, accent = parts[0], (parts[1] if len(parts) > 1 else "").strip()
    if accent in _OVERBARS:
        short = len(base.strip()) <= 2
        return "".join(ch + "\u0304" for ch in base.strip()) if short else f"mean({base})"
    if accent == "^":
        return f"{base.strip()}\u0302"
    return f"{base}^{_group(accent)}"


def _scripts(parts: list[str]) -> str:
    if len(parts) < 3:
        return "".join(parts)
    return f"{parts[0]}_{_group(parts[1])}^{_group(parts[2])}"


def _fenced(element: etree._Element, parts: list[str]) -> str:
    separator = (element.get("separators") or ",").strip()[:1] or ","
    inner = f"{separator} ".join(part.strip() for part in parts)
    return f"{element.get('open', '(')}{inner}{element.get('close', ')')}"


_MATH_HANDLERS: dict[str, Callable[[etree._Element, list[str]], str]] = {
    "mfrac": lambda _, p: f"{_group(p[0])}/{_group(p[1] if len(p) > 1 else '')}",
    "msup": lambda _, p: f"{p[0]}^{_group(p[1] if len(p) > 1 else '')}",
    "msub": lambda _, p: f"{p[0]}_{_group(p[1] if len(p) > 1 else '')}",
    "msubsup": lambda _, p: _scripts(p),
    "munder": lambda _, p: f"{p[0]}_{_group(p[1] if len(p) > 1 else '')}",
    "munderover": lambda _, p: _scripts(p),
    "msqrt": lambda _, p: f"√({''.join(p).strip()})",
    "mroot": lambda _, p: f"root({p[0].strip()}, {p[1].strip() if len(p) > 1 else ''})",
    "mover": _over,
    "mfenced": _fenced,
    "mtr": lambda _, p: ", ".join(part.strip() for part in p),
    "mtable": lambda _, p: "[" + "; ".join(p) + "]",
}


@dataclass
class _Renderer:
    """Walks mixed CNXML content: inline runs become paragraphs, block children their own blocks."""

    omit: Omit
    footnotes: list[str] = field(default_factory=list)

    def flow(self, element: etree._Element, depth: int) -> list[str]:
        blocks: list[str] = []
        run: list[str] = [element.text or ""]
        for child in element:
            name = local_name(child)
            if name and not self.omit(child) and name != "title":
                if self._is_block(child, name):
                    blocks.append(_collapse("".join(run)))
                    run = []
                    blocks.extend(self.block(child, name, depth))
                else:
                    run.append(self.inline(child, name))
            run.append(child.tail or "")
        blocks.append(_collapse("".join(run)))
        return [block for block in blocks if block]

    def _is_block(self, element: etree._Element, name: str) -> bool:
        if name == "code":
            return _is_block_code(element)
        if name == "list":
            return element.get("display") != "inline"
        return name in _BLOCK_TAGS

    def block(self, element: etree._Element, name: str, depth: int) -> list[str]:
        if name == "section":
            return self._section(element, depth)
        if name == "list":
            return [self._list(element, depth)]
        if name == "table":
            return [self._table(element)]
        if name in ("note", "example", "exercise"):
            return self._aside(element, name, depth)
        if name in ("problem", "solution"):
            return [f"**{name.capitalize()}**", *self.flow(element, depth)]
        if name == "equation":
            return [self._math_of(element)]
        if name == "figure":
            return [self._figure(element)]
        if name == "code":
            return [f"```{element.get('lang') or ''}\n{_code_text(element).strip(chr(10))}\n```"]
        return self.flow(element, depth)

    def inline(self, element: etree._Element, name: str) -> str:
        text = self._inline_content(element, name)
        if name == "emphasis":
            return _emphasis(element, text)
        if name == "term":
            return f"**{text.strip()}**" if text.strip() else ""
        if name in ("sub", "sup"):
            return f"<{name}>{text}</{name}>"
        return text

    def _inline_content(self, element: etree._Element, name: str) -> str:
        if name == "math":
            return _math_inline(math_text(element))
        if name == "code":
            return f"`{_collapse(_code_text(element))}`"
        if name == "newline":
            return _BREAK
        if name == "link":
            return self._link(element)
        if name == "media":
            return _media_placeholder(element)
        if name == "list":
            return self._list(element, depth=6)
        if name == "footnote":
            self.footnotes.append(" ".join(self.flow(element, depth=6)))
            return f"[^{len(self.footnotes)}]"
        return " ".join(self.flow(element, depth=6))

    def _section(self, element: etree._Element, depth: int) -> list[str]:
        body = self.flow(element, depth + 1)
        if not body:
            return []
        title = _title_of(element)
        heading = [f"{'#' * min(depth + 1, 6)} {title}"] if title else []
        return heading + body

    def _aside(self, element: etree._Element, name: str, depth: int) -> list[str]:
        body = self.flow(element, depth + 1)
        if not body:
            return []
        title = _title_of(element) or {"example": "Example", "exercise": "Exercise"}.get(name, "")
        lines = ([f"**{title}**"] if title else []) + body
        return ["\n".join(f"> {line}" if line else ">" for line in "\n\n".join(lines).splitlines())]

    def _list(self, element: etree._Element, depth: int) -> str:
        items = [item for item in element if local_name(item) == "item"]
        texts = [self.flow(item, depth) for item in items]
        if element.get("display") == "inline":
            return "; ".join(" ".join(text) for text in texts)
        start = int(element.get("start-value") or 1) - 1
        style = element.get("number-style") if element.get("list-type") == "enumerated" else None
        lines = []
        for index, blocks in enumerate(texts):
            marker = (
                f"{item_label(style, start + index)}."
                if style or element.get("list-type") == "enumerated"
                else "-"
            )
            indent = " " * (len(marker) + 1)
            body = "\n\n".join(blocks).replace("\n", "\n" + indent)
            lines.append(f"{marker} {body}")
        return "\n".join(lines)

    def _table(self, element: etree._Element) -> str:
        rows = [
            [_cell(self, entry) for entry in row if local_name(entry) == "entry"]
            for row in element.iter(f"{{{CNXML_NS}}}row")
        ]
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * width)
        title = _title_of(element)
        return (f"**{title}**\n\n" if title else "") + "\n".join(lines)

    def _figure(self, element: etree._Element) -> str:
        """Title (as tables show theirs), the media's alt texts, then the caption."""
        media = [_media_placeholder(m) for m in element.iter(f"{{{CNXML_NS}}}media")]
        captions = [" ".join(self.flow(c, 6)) for c in element if local_name(c) == "caption"]
        title = _title_of(element)
        return (f"**{title}**\n\n" if title else "") + " ".join(media + captions).strip()

    def _link(self, element: etree._Element) -> str:
        text = " ".join(self.flow(element, depth=6))
        url = element.get("url") or ""
        if "os-embed" in classes(element):
            return f"*[Interactive exercise {url.rsplit('/', 1)[-1]}]*"
        if url.startswith(("http://", "https://")):
            return f"[{text or url}]({url})"
        return text or _reference_name(element)

    def _math_of(self, element: etree._Element) -> str:
        maths = [math_text(m) for m in element.iter(f"{{{MATHML_NS}}}math")]
        return _math_inline(" ".join(maths)) if maths else " ".join(self.flow(element, 6))


def _cell(renderer: _Renderer, entry: etree._Element) -> str:
    return " ".join(renderer.flow(entry, depth=6)).replace("\n", " ").replace("|", "\\|")


def _reference_name(link: etree._Element) -> str:
    """Words for an empty cross-reference: 'the table' for a link to a table, and so on."""
    target = link.get("target-id")
    found = link.xpath("//*[@id=$id]", id=target) if target else []
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        kind = local_name(found[0])
        return f"the {_REFERENCE_WORDS.get(kind, kind)}"
    return "another section" if link.get("document") else ""


def _title_of(element: etree._Element) -> str:
    for child in element:
        if local_name(child) == "title":
            return to_inline(child)
    return ""


def _emphasis(element: etree._Element, text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return text
    effect = element.get("effect") or "bold"
    marker = "**" if effect == "bold" else "*" if effect.startswith("it") else ""
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{stripped}{marker}{trail}"


def _media_placeholder(element: etree._Element) -> str:
    alt = _collapse(element.get("alt") or "")
    for child in element.iter():
        if local_name(child) == "iframe":
            src = child.get("src") or ""
            if src.startswith(("http://", "https://")):
                return f"[Interactive: {alt or src}]({src})"
            return f"*[Interactive: {alt}]*"
    return f"*[Figure: {alt}]*" if alt else "*[Figure]*"


def _math_inline(text: str) -> str:
    text = _collapse(text)
    if _MD_SENSITIVE.search(text):
        return f"`{text}`"
    return text


def _is_block_code(element: etree._Element) -> bool:
    display = element.get("display")
    if display in ("block", "inline"):
        return display == "block"
    if "inline-code" in classes(element):
        return False
    parent = element.getparent()
    in_text = parent is not None and local_name(parent) in _INLINE_CODE_PARENTS
    return not in_text or "\n" in _code_text(element).strip()


def _code_text(element: etree._Element) -> str:
    return "".join(_code_pieces(element))


def _code_pieces(element: etree._Element) -> Iterator[str]:
    yield element.text or ""
    for child in element:
        if local_name(child) == "newline":
            yield "" if (child.tail or "").startswith("\n") else "\n"
        else:
            yield from _code_pieces(child)
        yield child.tail or ""


def _collapse(text: str) -> str:
    """Collapse whitespace but keep the explicit line breaks that ``<newline/>`` produced."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split(_BREAK)]
    return "  \n".join(line for line in lines if line)
