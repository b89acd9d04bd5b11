"""One training example, in the format ``pipelines.finetune`` reads (one JSON object a line):

    {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...],
     "source": "tutor_turn" | "generated_item" | "openstax_solution",
     "group": "<the learner id for tutor turns, the course or book id otherwise>",
     "id": "<turn id, item id, or the exercise's collection/module/exercise key>"}

The last message is the assistant's: the training target.
"""

from dataclasses import dataclass
from typing import Literal

import orjson

from pipelines.datasets.config import Source

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class DatasetRow:
    messages: tuple[Message, ...]
    source: Source
    group: str
    id: str

    def __post_init__(self) -> None:
        if not self.messages or self.messages[-1].role != "assistant":
            raise ValueError(f"row {self.id}: the last message must be the assistant's")

    @property
    def user_text(self) -> str:
        """Every user turn of the row: what a held-out question must not appear in."""
        return "\n".join(m.content for m in self.messages if m.role == "user")

    @property
    def target(self) -> str:
        return self.messages[-1].content

    def json_line(self) -> bytes:
        """The row as one line; the same row gives the same bytes (keys in a fixed order)."""
        value = {
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "source": self.source.value,
            "group": self.group,
            "id": self.id,
        }
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)


def chat_row(
    source: Source, group: str, row_id: str, system: str, user: str, answer: str
) -> DatasetRow:
    """A single-turn example: the system message, the question, the answer."""
    return DatasetRow(
        messages=(
            Message("system", system),
            Message("user", user),
            Message("assistant", answer),
        ),
        source=source,
        group=group,
        id=row_id,
    )
