"""The mailer interface."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    # An HTML alternative to ``text``, and extra headers (e.g. RFC 8058 List-Unsubscribe).
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    async def send(self, mail: OutgoingMail) -> None: ...
