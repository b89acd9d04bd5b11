"""Admins' template overrides: read, check and save, reset to the shipped default."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.infra.database import utcnow
from platform_api.notifications.kinds import KINDS
from platform_api.notifications.models import NotificationTemplate
from platform_api.notifications.schemas import TemplateIn, TemplateOut
from platform_api.notifications.templates import (
    DEFAULT_LOCALE,
    TemplateParts,
    check_template,
    default_template,
)


def _out(kind: str, locale: str, parts: TemplateParts, overridden: bool) -> TemplateOut:
    return TemplateOut(
        kind=kind,
        locale=locale,
        subject=parts.subject,
        text=parts.text,
        html=parts.html,
        overridden=overridden,
        variables=sorted(KINDS[kind].allowed_variables),
    )


async def list_templates(session: AsyncSession) -> list[TemplateOut]:
    """Every kind's default-locale template, and every override in any locale."""
    rows = list(await session.scalars(select(NotificationTemplate)))
    overridden = {(row.kind, row.locale) for row in rows}
    defaults = [
        _out(name, DEFAULT_LOCALE, default_template(kind, DEFAULT_LOCALE), False)
        for name, kind in KINDS.items()
        if (name, DEFAULT_LOCALE) not in overridden
    ]
    overrides = [
        _out(row.kind, row.locale, TemplateParts(row.subject, row.text, row.html), True)
        for row in rows
        if row.kind in KINDS
    ]
    return sorted(defaults + overrides, key=lambda template: (template.kind, template.locale))


async def save_template(
    session: AsyncSession, kind: str, locale: str, template: TemplateIn, admin_id: uuid.UUID
) -> TemplateOut:
    """Check the template against the kind's variables, then store it (nothing on refusal)."""
    parts = TemplateParts(template.subject, template.text, template.html)
    check_template(KINDS[kind], parts)
    values = {**template.model_dump(), "updated_by": admin_id, "updated_at": utcnow()}
    await session.execute(
        insert(NotificationTemplate)
        .values(kind=kind, locale=locale, **values)
        .on_conflict_do_update(index_elements=["kind", "locale"], set_=values)
    )
    await session.commit()
    return _out(kind, locale, parts, True)


async def reset_template(session: AsyncSession, kind: str, locale: str) -> None:
    deleted = await session.execute(
        delete(NotificationTemplate)
        .where(NotificationTemplate.kind == kind, NotificationTemplate.locale == locale)
        .returning(NotificationTemplate.kind)
    )
    if deleted.scalar_one_or_none() is None:
        raise NotFound("No template of this kind and locale was overridden.")
    await session.commit()
