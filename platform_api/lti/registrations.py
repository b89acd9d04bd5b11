"""Platform registrations, managed by admins (over the API and ``wc lti``)."""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from platform_api.audit.service import Actor, AuditAction, record
from platform_api.lti.models import LtiRegistration
from platform_api.lti.schemas import RegistrationIn


def _apply(row: LtiRegistration, body: RegistrationIn) -> None:
    row.name = body.name
    # HttpUrl writes a bare host with "/"; platforms' issuers (e.g. https://canvas.instructure.com)
    # have none, and the launch's ``iss`` must match exactly.
    row.issuer = str(body.issuer).rstrip("/")
    row.client_id = body.client_id
    row.deployment_ids = body.deployment_ids
    row.jwks_url = str(body.jwks_url)
    row.auth_login_url = str(body.auth_login_url)
    row.access_token_url = str(body.access_token_url)


async def _commit(session: AsyncSession, row: LtiRegistration) -> LtiRegistration:
    taken = {"issuer": row.issuer, "client_id": row.client_id}  # read before a rollback expires it
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise Conflict("This issuer and client id are registered already.", taken) from error
    return row


async def create(
    session: AsyncSession, body: RegistrationIn, actor: Actor | None = None
) -> LtiRegistration:
    """``actor`` None: the operator at the command line."""
    row = LtiRegistration(id=uuid.uuid4())
    _apply(row, body)
    session.add(row)
    _audit(session, actor, AuditAction.LTI_REGISTRATION_CREATED, row)
    return await _commit(session, row)


async def listed(session: AsyncSession) -> list[LtiRegistration]:
    return list(await session.scalars(select(LtiRegistration).order_by(LtiRegistration.created_at)))


async def get(session: AsyncSession, registration_id: uuid.UUID) -> LtiRegistration:
    row = await session.get(LtiRegistration, registration_id)
    if row is None:
        raise NotFound("No such LTI registration.", {"registration_id": registration_id})
    return row


async def replace(
    session: AsyncSession,
    registration_id: uuid.UUID,
    body: RegistrationIn,
    actor: Actor | None = None,
) -> LtiRegistration:
    row = await get(session, registration_id)
    _apply(row, body)
    _audit(session, actor, AuditAction.LTI_REGISTRATION_REPLACED, row)
    return await _commit(session, row)


async def remove(
    session: AsyncSession, registration_id: uuid.UUID, actor: Actor | None = None
) -> None:
    """Forget the platform: its launches are refused and its classes' links go with it."""
    row = await get(session, registration_id)
    _audit(session, actor, AuditAction.LTI_REGISTRATION_DELETED, row)
    await session.delete(row)
    await session.commit()


def _audit(
    session: AsyncSession, actor: Actor | None, action: AuditAction, row: LtiRegistration
) -> None:
    details = {"issuer": row.issuer, "client_id": row.client_id}
    record(session, actor or Actor.operator(), action, ("lti_registration", row.id), details)
