"""Mailer that writes each message as an ``.eml`` file (the embedded default: read them in a mail
client or with ``email.message_from_bytes``)."""

import asyncio
import os
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from core.infra.mail.base import OutgoingMail
from core.infra.mail.message import build_message


class FileMailer:
    """Writes ``<UTC timestamp>-<random>.eml`` files into ``directory``; the name sorts by time."""

    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender

    async def send(self, mail: OutgoingMail) -> None:
        await asyncio.to_thread(self._write, build_message(mail, self._sender))

    def _write(self, message: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        # Written under a dot-name, then renamed: a reader never sees half a message.
        temporary = self._directory / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, self._directory / name)
