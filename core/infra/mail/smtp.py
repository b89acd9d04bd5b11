"""Mailer that sends through an SMTP server (``aiosmtplib``)."""

from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.infra.mail.base import OutgoingMail
from core.infra.mail.message import build_message

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class SmtpMailer:
    """Sends to ``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers it) or
    ``smtps://...`` (TLS from the first byte)."""

    def __init__(self, url: str, sender: str, *, timeout_seconds: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"mail URL must be smtp://host[:port] or smtps://host[:port]: {url!r}")
        self._hostname = parts.hostname
        self._port = parts.port or DEFAULT_PORTS[parts.scheme]
        self._use_tls = parts.scheme == "smtps"
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout_seconds = timeout_seconds

    async def send(self, mail: OutgoingMail) -> None:
        await aiosmtplib.send(
            build_message(mail, self._sender),
            hostname=self._hostname,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            timeout=self._timeout_seconds,
        )
