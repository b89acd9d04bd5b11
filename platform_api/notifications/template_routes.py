"""Admins' notification templates: list, override per kind and locale, reset to the default."""

from fastapi import APIRouter

from core.errors import NotFound
from platform_api.auth.permissions import Admin
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.notifications.schemas import KnownKind, Locale, TemplateIn, TemplateOut
from platform_api.notifications.template_store import list_templates, reset_template, save_template
from platform_api.notifications.templates import TemplateSyntaxInvalid, TemplateUnknownVariables

router = APIRouter(prefix="/templates", responses=responses(403))


@router.get("", response_model=list[TemplateOut], summary="Notification templates (admins)")
async def templates(session: DbSession, _: Admin) -> list[TemplateOut]:
    return await list_templates(session)


@router.put(
    "/{kind}/{locale}",
    response_model=TemplateOut,
    summary="Override a kind's template in a locale (admins); checked before it is stored",
    responses=responses(TemplateSyntaxInvalid, TemplateUnknownVariables),
)
async def put_template(
    kind: KnownKind, locale: Locale, template: TemplateIn, session: DbSession, admin: Admin
) -> TemplateOut:
    return await save_template(session, kind, locale, template, admin.user_id)


@router.delete(
    "/{kind}/{locale}",
    status_code=204,
    summary="Go back to the shipped template (admins)",
    responses=responses(NotFound),
)
async def delete_template(kind: KnownKind, locale: Locale, session: DbSession, _: Admin) -> None:
    await reset_template(session, kind, locale)
