"""Jinja templates of notifications: the shipped defaults, admins' overrides, checks and rendering.

Templates run in Jinja's sandbox with ``StrictUndefined``: an admin's template can neither reach
Python internals nor silently print nothing for a misspelt name. The names a template uses are
checked at save time against the kind's declared variables, so rendering fails only when a
sender breaks its kind's contract (then the shipped default is used, see ``render_notification``).
"""

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError
from platform_api.notifications.kinds import GENERIC, NotificationKind
from platform_api.notifications.models import NotificationTemplate

logger = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"
SHIPPED = Path(__file__).with_name("templates")
MAX_SUBJECT_LENGTH = 300

_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


class TemplateSyntaxInvalid(AppError):
    status_code = 400
    code = "template_syntax_error"


class TemplateUnknownVariables(AppError):
    status_code = 400
    code = "template_unknown_variables"


@dataclass(frozen=True)
class TemplateParts:
    subject: str
    text: str
    html: str | None = None

    def named(self) -> dict[str, str]:
        parts = {"subject": self.subject, "text": self.text}
        return parts | ({"html": self.html} if self.html is not None else {})


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str | None


def _environment(part: str) -> SandboxedEnvironment:
    return _HTML if part == "html" else _TEXT


def check_template(kind: NotificationKind, parts: TemplateParts) -> None:
    """Refuse a template that does not parse or names a variable its kind does not provide."""
    for part, source in parts.named().items():
        try:
            parsed = _environment(part).parse(source)
        except TemplateSyntaxError as error:
            raise TemplateSyntaxInvalid(
                f"The {part} template does not parse: {error.message}",
                {"part": part, "line": error.lineno},
            ) from error
        unknown = meta.find_undeclared_variables(parsed) - kind.allowed_variables
        if unknown:
            raise TemplateUnknownVariables(
                f"The {part} template uses variables a {kind.name} notification does not have.",
                {
                    "part": part,
                    "unknown": sorted(unknown),
                    "allowed": sorted(kind.allowed_variables),
                },
            )


def locale_candidates(locale: str) -> list[str]:
    """``de-AT`` → ``de-AT``, ``de``, then the default locale."""
    candidates = [locale]
    language = locale.split("-")[0]
    candidates += [language] if language != locale else []
    return [*candidates, *([DEFAULT_LOCALE] if DEFAULT_LOCALE not in candidates else [])]


@cache
def shipped_template(kind: str, locale: str) -> TemplateParts | None:
    path = SHIPPED / locale / f"{kind}.toml"
    if not path.is_file():
        return None
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return TemplateParts(document["subject"], document["text"], document.get("html"))


def default_template(kind: NotificationKind, locale: str) -> TemplateParts:
    """The shipped template of the kind in the best locale (the generic one if it has none)."""
    for candidate in locale_candidates(locale):
        for name in (kind.name, GENERIC.name):
            shipped = shipped_template(name, candidate)
            if shipped is not None:
                return shipped
    raise LookupError(f"no shipped template for {kind.name} in {DEFAULT_LOCALE}")


async def effective_template(
    session: AsyncSession, kind: NotificationKind, locale: str
) -> TemplateParts:
    """An admin's override in the best locale, else the shipped template."""
    for candidate in locale_candidates(locale):
        override = await session.get(NotificationTemplate, (kind.name, candidate))
        if override is not None:
            return TemplateParts(override.subject, override.text, override.html)
        shipped = shipped_template(kind.name, candidate)
        if shipped is not None:
            return shipped
    return default_template(kind, locale)


def render(parts: TemplateParts, variables: dict[str, Any]) -> RenderedMessage:
    subject = _TEXT.from_string(parts.subject).render(variables)
    # One line: a newline in a subject would start a new mail header.
    subject = re.sub(r"\s+", " ", subject).strip()[:MAX_SUBJECT_LENGTH]
    text = _TEXT.from_string(parts.text).render(variables).strip() + "\n"
    html = _HTML.from_string(parts.html).render(variables) if parts.html is not None else None
    return RenderedMessage(subject, text, html)


async def render_notification(
    session: AsyncSession, kind: NotificationKind, locale: str, variables: dict[str, Any]
) -> RenderedMessage:
    """Render the effective template; if a sender broke the kind's contract, the shipped one."""
    try:
        return render(await effective_template(session, kind, locale), variables)
    except TemplateError:
        logger.exception("Template of %s (%s) failed; sending the shipped one", kind.name, locale)
        return render(default_template(kind, locale), variables)
