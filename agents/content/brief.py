"""What every content role is told about the course and topic it writes for."""

from dataclasses import dataclass

from agents.content import prompts


@dataclass(frozen=True)
class SourcePassage:
    """A passage of the course's own material, numbered as the writers cite it."""

    number: int
    title: str
    text: str


@dataclass(frozen=True)
class Brief:
    course_title: str
    grade: float
    topic: str
    sources: tuple[SourcePassage, ...] = ()

    def sources_block(self) -> str:
        if not self.sources:
            return prompts.UNGROUNDED_NOTE
        lines = (prompts.SOURCE_LINE.format(number=s.number, text=s.text) for s in self.sources)
        return prompts.SOURCES_HEADER + "".join(lines)
