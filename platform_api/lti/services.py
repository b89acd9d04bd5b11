"""A platform's services (AGS line items and scores, NRPS memberships) through pylti1p3.

pylti1p3's service connector gets an access token from the platform's token endpoint for a
client-credentials JWT assertion signed with the tool key, then calls the service. It uses
``requests``, so every call runs in a worker thread, never on the event loop.
"""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService, TMember
from pylti1p3.service_connector import ServiceConnector

from platform_api.lti.errors import PlatformServiceFailed
from platform_api.lti.keys import ToolKey
from platform_api.lti.models import LtiRegistration
from platform_api.lti.tool_config import as_registration

T = TypeVar("T")
HTTP_TIMEOUT_SECONDS = 10.0
AGS_SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_LINE_ITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


class _BoundedSession(requests.Session):
    """requests waits forever by default; a platform that hangs must not hold a thread."""

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def platform_http_session() -> requests.Session:
    session = _BoundedSession()
    session.headers["User-Agent"] = "water-classroom-lti"
    return session


class PlatformServices:
    """One platform's services, with one access token per scope set (pylti1p3 keeps them)."""

    def __init__(self, registration: LtiRegistration, key: ToolKey) -> None:
        self.issuer = registration.issuer
        self._connector = ServiceConnector(
            as_registration(registration, key), platform_http_session()
        )

    async def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except (LtiException, requests.RequestException, KeyError, ValueError) as exc:
            raise PlatformServiceFailed(
                f"The platform's {what} did not answer as it should.",
                {"issuer": self.issuer, "service": what, "error": str(exc)[:500]},
            ) from exc

    async def members(self, memberships_url: str) -> list[TMember]:
        """Every member of the context (all pages)."""
        nrps = NamesRolesProvisioningService(
            self._connector, {"context_memberships_url": memberships_url}
        )
        return await self._call("membership service", nrps.get_members)

    def _ags(self, scopes: list[str], lineitems_url: str | None) -> AssignmentsGradesService:
        data: dict[str, Any] = {"scope": scopes}
        if lineitems_url:
            data["lineitems"] = lineitems_url
        return AssignmentsGradesService(self._connector, data)  # type: ignore[arg-type]

    async def line_item(self, scopes: list[str], lineitems_url: str, wanted: LineItem) -> str:
        """The URL of the line item with ``wanted``'s resource id, created if there is none."""
        ags = self._ags(scopes, lineitems_url)

        def find_or_create() -> str:
            found = ags.find_or_create_lineitem(wanted, find_by="resource_id")
            line_item_id = found.get_id()
            if not line_item_id:
                raise LtiException("the line item has no id")
            return line_item_id

        return await self._call("line item service", find_or_create)

    async def post_score(self, scopes: list[str], line_item_url: str, grade: Grade) -> None:
        ags = self._ags(scopes, None)
        line_item = LineItem().set_id(line_item_url)
        await self._call("score service", lambda: ags.put_grade(grade, line_item))
