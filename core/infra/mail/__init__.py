"""Outgoing e-mail: an SMTP server, or files in the data dir when none is configured."""

from core.infra.mail.base import Mailer, OutgoingMail

__all__ = ["Mailer", "OutgoingMail"]
