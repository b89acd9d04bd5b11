"""HTTP endpoints of the LTI 1.3 tool (``/api/v1/lti``): what the LMS calls (login initiation,
launch, JWKS), what the instructor's deep-linking page calls, and the admins' registrations."""

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_api.audit.service import Actor
from platform_api.auth.models import Role
from platform_api.auth.oidc_routes import WEB_CLIENT_COMPLETION
from platform_api.auth.permissions import Admin, Staff
from platform_api.auth.service import issue_token_pair
from platform_api.classes.service import get_visible_class
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.lti import deep_linking, registrations
from platform_api.lti.errors import (
    ContextNotReady,
    LaunchInvalid,
    LaunchRefused,
    PlatformServiceFailed,
    PlatformUnknown,
)
from platform_api.lti.keys import tool_key
from platform_api.lti.launch import land
from platform_api.lti.protocol import launch_url, start_login, validate_launch
from platform_api.lti.roster import sync_after_launch, sync_roster
from platform_api.lti.schemas import (
    Candidate,
    DeepLinkingAnswer,
    DeepLinkingChoice,
    RegistrationIn,
    RegistrationOut,
    RosterSync,
    ToolUrls,
)
from platform_api.lti.targets import Target, TargetKind
from platform_api.wiring import Stores

router = APIRouter(prefix="/api/v1/lti", tags=["lti"], responses=responses(422, 429))

LOGIN_ERRORS = responses(LaunchInvalid, PlatformUnknown, PlatformServiceFailed)
LAUNCH_ERRORS = responses(
    LaunchInvalid,
    LaunchRefused,
    PlatformUnknown,
    Forbidden,
    NotFound,
    ContextNotReady,
    Conflict,
    PlatformServiceFailed,
)
TO_THE_PLATFORM: dict[int | str, dict[str, Any]] = {
    302: {"description": "To the platform's authorization endpoint (OIDC, form_post answer)"}
}
TO_THE_WEB_CLIENT: dict[int | str, dict[str, Any]] = {
    303: {
        "description": f"Signed in: to {WEB_CLIENT_COMPLETION}#access_token=…&next=<page>, "
        "the page of the course, lesson or quiz the link opens"
    }
}
LaunchId = Annotated[str, Field(min_length=10, max_length=100, pattern=r"^[\w-]+$")]


class LoginInitiation(BaseModel):
    """OIDC third-party login initiation (LTI 1.3 §5.1.1), by query or form."""

    iss: str = Field(min_length=1, max_length=2000)
    login_hint: str = Field(min_length=1, max_length=2000)
    target_link_uri: str | None = Field(None, max_length=2000)
    lti_message_hint: str | None = Field(None, max_length=4000)
    lti_deployment_id: str | None = Field(None, max_length=255)
    client_id: str | None = Field(None, max_length=255)


class LaunchForm(BaseModel):
    """The platform's form post: the id token and the state of the login."""

    id_token: str = Field(min_length=1, max_length=30_000)
    state: str = Field(min_length=1, max_length=200)


def _secure(stores: Stores) -> bool:
    return stores.settings.base_url.startswith("https://")


async def _login(session: DbSession, stores: StoresDep, initiation: LoginInitiation) -> Response:
    params = initiation.model_dump(exclude_none=True)
    return await start_login(session, stores, params, _secure(stores))


@router.get(
    "/login",
    status_code=302,
    response_class=RedirectResponse,
    summary="OIDC login initiation from the LMS (query)",
    responses=LOGIN_ERRORS | TO_THE_PLATFORM,
)
async def login_by_query(
    session: DbSession, stores: StoresDep, initiation: Annotated[LoginInitiation, Query()]
) -> Response:
    return await _login(session, stores, initiation)


@router.post(
    "/login",
    status_code=302,
    response_class=RedirectResponse,
    summary="OIDC login initiation from the LMS (form post)",
    responses=LOGIN_ERRORS | TO_THE_PLATFORM,
)
async def login_by_form(
    session: DbSession, stores: StoresDep, initiation: Annotated[LoginInitiation, Form()]
) -> Response:
    return await _login(session, stores, initiation)


@router.post(
    "/launch",
    status_code=303,
    response_class=RedirectResponse,
    summary="LTI launch (resource link or deep linking): signs the user in, to the web client",
    responses=LAUNCH_ERRORS | TO_THE_WEB_CLIENT,
)
async def launch(
    request: Request,
    session: DbSession,
    stores: StoresDep,
    form: Annotated[LaunchForm, Form()],
) -> Response:
    validated = await validate_launch(
        session, stores, form.model_dump(), request.cookies, _secure(stores)
    )
    landing = await land(session, stores, validated)
    tokens = await issue_token_pair(session, stores, landing.user)  # commits the launch's work
    if landing.role is Role.TEACHER and landing.context.memberships_url:
        await sync_after_launch(stores.database, stores.settings, landing.context.class_id)
    # In the fragment: the browser keeps it from servers, logs and the Referer header.
    fragment = urlencode({**tokens.model_dump(mode="json"), "next": landing.next_path})
    return RedirectResponse(f"{WEB_CLIENT_COMPLETION}#{fragment}", 303)


@router.get("/jwks", summary="The tool's public keys (JWKS), for platforms to verify it")
async def jwks(stores: StoresDep) -> dict[str, Any]:
    return tool_key(stores.settings).jwks()


@router.get("/tool", response_model=ToolUrls, summary="The URLs to give an LMS for this tool")
async def tool_urls(stores: StoresDep) -> ToolUrls:
    base = stores.settings.base_url
    return ToolUrls(
        login_initiation_url=f"{base}/api/v1/lti/login",
        launch_url=launch_url(stores),
        deep_linking_url=launch_url(stores),
        jwks_url=f"{base}/api/v1/lti/jwks",
    )


@router.get(
    "/deep-linking/{launch_id}/candidates",
    response_model=list[Candidate],
    summary="What this deep-linking launch may place, of one kind",
    responses=responses(401, 403, 404, ValidationFailed),
)
async def deep_linking_candidates(
    launch_id: LaunchId,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
    kind: Annotated[TargetKind, Query()] = TargetKind.COURSE,
    course_id: Annotated[uuid.UUID | None, Query(description="For lessons")] = None,
) -> list[Candidate]:
    return await deep_linking.candidates(
        session, stores.cache, launch_id, actor.user_id, kind, course_id
    )


@router.post(
    "/deep-linking/{launch_id}",
    response_model=DeepLinkingAnswer,
    summary="Place the chosen items: the signed LtiDeepLinkingResponse to post to the LMS",
    responses=responses(401, 403, 404, ValidationFailed),
)
async def deep_linking_answer(
    launch_id: LaunchId,
    body: DeepLinkingChoice,
    session: DbSession,
    stores: StoresDep,
    actor: Staff,
) -> DeepLinkingAnswer:
    choices = [Target(item.kind, item.id) for item in body.items]
    return await deep_linking.respond(session, stores, launch_id, actor.user_id, choices)


@router.post(
    "/classes/{class_id}/roster-sync",
    response_model=RosterSync,
    summary="Sync the class's learners with its LMS course (Names and Role Provisioning)",
    responses=responses(401, 403, 404, Conflict, PlatformServiceFailed),
)
async def roster_sync(
    class_id: uuid.UUID, session: DbSession, stores: StoresDep, actor: Staff
) -> RosterSync:
    await get_visible_class(session, actor, class_id)
    return await sync_roster(session, stores.settings, class_id)


@router.get(
    "/registrations",
    response_model=list[RegistrationOut],
    summary="Registered platforms (admins)",
    responses=responses(401, 403),
)
async def list_registrations(session: DbSession, _: Admin) -> list[RegistrationOut]:
    return [RegistrationOut.model_validate(r) for r in await registrations.listed(session)]


@router.post(
    "/registrations",
    status_code=201,
    response_model=RegistrationOut,
    summary="Register a platform (admins)",
    responses=responses(401, 403, Conflict),
)
async def create_registration(
    body: RegistrationIn, session: DbSession, actor: Admin
) -> RegistrationOut:
    row = await registrations.create(session, body, Actor.of(actor))
    return RegistrationOut.model_validate(row)


@router.get(
    "/registrations/{registration_id}",
    response_model=RegistrationOut,
    summary="One registered platform (admins)",
    responses=responses(401, 403, 404),
)
async def get_registration(
    registration_id: uuid.UUID, session: DbSession, _: Admin
) -> RegistrationOut:
    return RegistrationOut.model_validate(await registrations.get(session, registration_id))


@router.put(
    "/registrations/{registration_id}",
    response_model=RegistrationOut,
    summary="Change a registered platform (admins)",
    responses=responses(401, 403, 404, Conflict),
)
async def replace_registration(
    registration_id: uuid.UUID, body: RegistrationIn, session: DbSession, actor: Admin
) -> RegistrationOut:
    audited = Actor.of(actor)
    row = await registrations.replace(session, registration_id, body, audited)
    return RegistrationOut.model_validate(row)


@router.delete(
    "/registrations/{registration_id}",
    status_code=204,
    summary="Forget a platform: its launches are refused from now on (admins)",
    responses=responses(401, 403, 404),
)
async def delete_registration(registration_id: uuid.UUID, session: DbSession, actor: Admin) -> None:
    await registrations.remove(session, registration_id, Actor.of(actor))
