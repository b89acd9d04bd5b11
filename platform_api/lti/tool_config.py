"""pylti1p3's tool configuration, backed by the registrations table.

pylti1p3 asks for registrations synchronously (from its worker thread), so the rows of the
issuer at hand are read first (``load_tool_config``) and answered from memory.
"""

from typing import Any

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.lti.adapter import LaunchRequest
from platform_api.lti.keys import ToolKey
from platform_api.lti.models import LtiRegistration


def as_registration(row: LtiRegistration, key: ToolKey) -> Registration:
    """A registration row as pylti1p3 takes it, with the tool key that signs for it."""
    return (
        Registration()
        .set_issuer(row.issuer)
        .set_client_id(row.client_id)
        .set_key_set_url(row.jwks_url)
        .set_auth_login_url(row.auth_login_url)
        .set_auth_token_url(row.access_token_url)
        .set_tool_private_key(key.private_pem)
        .set_tool_public_key(key.public_pem)
    )


class DatabaseToolConf(ToolConfAbstract[LaunchRequest]):
    """The registrations of one issuer; an issuer may register several client ids."""

    def __init__(self, issuer: str, rows: list[LtiRegistration], key: ToolKey) -> None:
        self.rows = {row.client_id: row for row in rows}
        self._key = key
        # An instance attribute: the class-level map of pylti1p3 is shared by every instance.
        self.issuers_relation_types = {}
        self.set_iss_has_many_clients(issuer)

    def row(self, client_id: str) -> LtiRegistration | None:
        """The registration of ``client_id``; an issuer's only one when the platform sent none
        (the login initiation's ``client_id`` is optional)."""
        if not client_id and len(self.rows) == 1:
            return next(iter(self.rows.values()))
        return self.rows.get(client_id)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError("registrations are found by issuer and client id")

    # pylti1p3 declares a Registration but checks for None ("not found"), as this returns.
    def find_registration_by_params(  # type: ignore[override]
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        row = self.row(client_id)
        return None if row is None or row.issuer != iss else as_registration(row, self._key)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        raise NotImplementedError("deployments are found by issuer and client id")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        row = self.row(client_id)
        if row is None or row.issuer != iss or deployment_id not in row.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


async def load_tool_config(
    session: AsyncSession, issuer: str, client_id: str | None, key: ToolKey
) -> DatabaseToolConf:
    """The registrations of ``issuer`` (only ``client_id``'s when given)."""
    query = select(LtiRegistration).where(LtiRegistration.issuer == issuer)
    if client_id:
        query = query.where(LtiRegistration.client_id == client_id)
    return DatabaseToolConf(issuer, list(await session.scalars(query)), key)
