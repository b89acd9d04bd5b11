"""HTTP endpoints of the identity domain (``/api/v1/auth``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from core.errors import Conflict, RateLimited
from platform_api.auth import email_verification, service
from platform_api.auth.permissions import CurrentUser
from platform_api.auth.schemas import (
    ConsentResult,
    EmailVerified,
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TokenPair,
)
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.users.schemas import UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=responses(422, 429))


async def limit_login_attempts(request: Request, stores: StoresDep) -> None:
    """A stricter bucket for password guessing, per client address."""
    client = request.client.host if request.client else "unknown"
    decision = await stores.rate_limiter.acquire(
        f"rl:login:{client}", stores.settings.login_rate_limit_per_minute, 60.0
    )
    if not decision.allowed:
        raise RateLimited.retry_after(
            decision.retry_after_seconds, "Too many sign-in attempts; wait a minute."
        )


LoginLimit = Annotated[None, Depends(limit_login_attempts)]


@router.post(
    "/register",
    status_code=201,
    response_model=RegisterResponse,
    summary="Create an account",
    responses=responses(409),
)
async def register(
    body: RegisterRequest, session: DbSession, stores: StoresDep
) -> RegisterResponse:
    user = await service.register(session, stores, body)
    return RegisterResponse(user=UserOut.of(user), activation_required=not user.is_active)


@router.post(
    "/login",
    response_model=TokenPair,
    summary="Sign in with e-mail and password",
    responses=responses(401, 403),
)
async def login(
    body: LoginRequest, session: DbSession, stores: StoresDep, _: LoginLimit
) -> TokenPair:
    return await service.login(session, stores, body.email, body.password)


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Rotate a refresh token",
    responses=responses(401, 403),
)
async def refresh(body: RefreshRequest, session: DbSession, stores: StoresDep) -> TokenPair:
    return await service.rotate_refresh_token(session, stores, body.refresh_token)


@router.post(
    "/logout",
    status_code=204,
    summary="Revoke a sign-in (the refresh-token family)",
    responses=responses(401),
)
async def logout(body: RefreshRequest, session: DbSession) -> None:
    await service.logout(session, body.refresh_token)


@router.get("/jwks", summary="Public keys that verify access tokens (JWKS)")
async def jwks(stores: StoresDep) -> dict[str, Any]:
    return stores.signing_key.jwks()


@router.get(
    "/parental-consent/confirm",
    response_model=ConsentResult,
    summary="Parent confirms a child's account (link from the e-mail)",
    responses=responses(401),
)
async def confirm_parental_consent(
    session: DbSession, token: Annotated[str, Query(min_length=20, max_length=200)]
) -> ConsentResult:
    child = await service.confirm_parental_consent(session, token)
    return ConsentResult(status="activated", child_display_name=child.display_name)


@router.get(
    "/verify-email/confirm",
    response_model=EmailVerified,
    summary="Confirm an e-mail address (link from the e-mail)",
    responses=responses(401),
)
async def confirm_email(
    session: DbSession, token: Annotated[str, Query(min_length=20, max_length=200)]
) -> EmailVerified:
    user = await email_verification.confirm_email(session, token)
    return EmailVerified(status="verified", email=user.email)


@router.post(
    "/verify-email/resend",
    status_code=202,
    summary="Send a new confirmation link to your e-mail address",
    responses=responses(401, 409),
)
async def resend_verification(user: CurrentUser, session: DbSession, stores: StoresDep) -> None:
    if user.email_verified:
        raise Conflict("Your e-mail address is already verified.")
    email_verification.request_email_verification(session, stores, user)
    await session.commit()
