"""Event ids of pushed frames: ``<milliseconds>-<sequence>``, increasing within a channel.

They are Redis stream ids, and the in-process fan-out makes the same kind, so a client's last id
means the same thing to either implementation and to the chat history in PostgreSQL.
"""

import re
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, Field

_FORMAT = re.compile(r"^(\d{1,15})-(\d{1,15})$")


class EventId(NamedTuple):
    milliseconds: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.milliseconds}-{self.sequence}"

    @classmethod
    def parse(cls, text: str) -> "EventId":
        match = _FORMAT.match(text)
        if match is None:
            raise ValueError("an event id reads '<milliseconds>-<sequence>'")
        return cls(int(match[1]), int(match[2]))

    def next_after(self, milliseconds: int) -> "EventId":
        """The id following this one at ``milliseconds`` (a clock that went back does not)."""
        if milliseconds > self.milliseconds:
            return EventId(milliseconds, 0)
        return EventId(self.milliseconds, self.sequence + 1)


def _valid(text: str) -> str:
    EventId.parse(text)
    return text


EventIdText = Annotated[str, Field(max_length=40), AfterValidator(_valid)]
