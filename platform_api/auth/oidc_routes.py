"""HTTP endpoints of OpenID Connect sign-in (``/api/v1/auth/oidc``): to the provider and back."""

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from core.errors import InvalidToken
from platform_api.auth import oidc
from platform_api.auth.schemas import SelfServiceRole, TokenPair
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses

router = APIRouter(
    prefix="/api/v1/auth/oidc", tags=["auth"], responses=responses(404, 422, 429, 503)
)

ProviderName = Annotated[str, Path(max_length=64, description="A configured provider, e.g. google")]
# The web client's page that takes the tokens from the fragment (never sent to a server).
WEB_CLIENT_COMPLETION = "/sign-in/complete"
HANDED_TO_WEB_CLIENT: dict[int | str, dict[str, Any]] = {
    303: {"description": f"Started from the web client: to {WEB_CLIENT_COMPLETION}#access_token=…"}
}


class ProviderCallback(BaseModel):
    """The provider's answer: ``code`` and ``state``, or an OAuth ``error``."""

    code: str | None = Field(None, max_length=4096)
    state: str | None = Field(None, max_length=200)
    error: str | None = Field(None, max_length=200)
    error_description: str | None = Field(None, max_length=2000)


@router.get(
    "/providers",
    response_model=list[str],
    summary="The OpenID Connect providers configured here (names for the sign-in buttons)",
)
async def providers(stores: StoresDep) -> list[str]:
    return oidc.configured_providers(stores.settings)


@router.get(
    "/{provider}/authorize",
    response_class=RedirectResponse,
    status_code=302,
    summary="Start signing in with an OpenID Connect provider",
    responses={302: {"description": "To the provider's sign-in page"}},
)
async def authorize(
    provider: ProviderName,
    stores: StoresDep,
    role: Annotated[SelfServiceRole, Query(description="Role of a new account")] = "student",
    birth_date: Annotated[date | None, Query(description="Required for a new student")] = None,
    client: Annotated[
        Literal["api", "web"],
        Query(description="web: the callback hands the tokens to the web client's page"),
    ] = "api",
) -> RedirectResponse:
    url = await oidc.start_sign_in(stores, provider, role, birth_date, client == "web")
    return RedirectResponse(url, 302)


async def _finish(
    session: DbSession, stores: StoresDep, provider: str, callback: ProviderCallback
) -> TokenPair | RedirectResponse:
    if callback.error:
        raise InvalidToken(
            "The provider did not sign you in.",
            {
                "provider_error": callback.error,
                "provider_message": callback.error_description,
            },
        )
    if not callback.code or not callback.state:
        # A well-formed request (each field is optional, as an OAuth error answer has neither)
        # that signs nobody in: 401 like any other failed sign-in.
        raise InvalidToken("The provider's answer lacks code or state.", {"reason": "incomplete"})
    finished = await oidc.finish_sign_in(session, stores, provider, callback.code, callback.state)
    if not finished.web_client:
        return finished.tokens
    # In the fragment: the browser keeps it from servers, logs and the Referer header.
    fragment = urlencode(finished.tokens.model_dump(mode="json"))
    return RedirectResponse(f"{WEB_CLIENT_COMPLETION}#{fragment}", 303)


@router.get(
    "/{provider}/callback",
    response_model=TokenPair,
    responses=responses(401, 403, 409) | HANDED_TO_WEB_CLIENT,
    summary="Finish signing in (the provider redirects here)",
)
async def callback(
    provider: ProviderName,
    session: DbSession,
    stores: StoresDep,
    answer: Annotated[ProviderCallback, Query()],
) -> TokenPair | RedirectResponse:
    return await _finish(session, stores, provider, answer)


@router.post(
    "/{provider}/callback",
    response_model=TokenPair,
    responses=responses(401, 403, 409) | HANDED_TO_WEB_CLIENT,
    summary="Finish signing in (the provider posts a form here: response_mode=form_post)",
)
async def callback_form_post(
    provider: ProviderName,
    session: DbSession,
    stores: StoresDep,
    answer: Annotated[ProviderCallback, Form()],
) -> TokenPair | RedirectResponse:
    return await _finish(session, stores, provider, answer)
