"""Signing in with an OpenID Connect provider: the pending sign-in and the account it ends in.

``start_sign_in`` sends the browser to the provider; ``finish_sign_in`` takes its answer back and
signs the matching (linked, or newly created) account in. The protocol is ``oidc_client``'s.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import (
    AccountInactive,
    Conflict,
    Forbidden,
    InvalidToken,
    NotFound,
    ValidationFailed,
)
from core.settings import OidcProvider, Settings
from platform_api.auth import oidc_client
from platform_api.auth.models import OidcIdentity, Role, User
from platform_api.auth.oidc_client import IdentityClaims
from platform_api.auth.schemas import SelfServiceRole, TokenPair
from platform_api.auth.service import age_on, issue_token_pair
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600


class SignInState(BaseModel):
    """What the callback needs to finish a sign-in, kept in the cache under its ``state``."""

    provider: str
    code_verifier: str
    nonce: str
    role: SelfServiceRole
    birth_date: date | None
    # Started from the web client: the callback hands the tokens to it instead of answering JSON.
    web_client: bool = False


@dataclass(frozen=True)
class FinishedSignIn:
    tokens: TokenPair
    web_client: bool


def state_key(state: str) -> str:
    """The cache key of a pending sign-in."""
    return f"oidc:state:{state}"


def redirect_uri(settings: Settings, provider_name: str) -> str:
    return f"{settings.base_url}/api/v1/auth/oidc/{provider_name}/callback"


def _provider(settings: Settings, provider_name: str) -> OidcProvider:
    provider = settings.oidc_providers.get(provider_name)
    if provider is None:
        raise NotFound("No such sign-in provider.", {"provider": provider_name})
    return provider


async def start_sign_in(
    stores: Stores,
    provider_name: str,
    role: SelfServiceRole,
    birth_date: date | None,
    web_client: bool = False,
) -> str:
    """The provider's authorization URL for a new sign-in, whose state is kept for 10 minutes."""
    settings = stores.settings
    provider = _provider(settings, provider_name)
    state = secrets.token_urlsafe(32)
    pending = SignInState(
        provider=provider_name,
        code_verifier=oidc_client.new_pkce_verifier(),
        nonce=secrets.token_urlsafe(32),
        role=role,
        birth_date=birth_date,
        web_client=web_client,
    )
    async with oidc_client.connect(provider) as client:
        url = await client.authorization_url(
            redirect_uri(settings, provider_name), state, pending.nonce, pending.code_verifier
        )
    await stores.cache.set(state_key(state), pending.model_dump_json().encode(), STATE_TTL_SECONDS)
    return url


async def _take_state(stores: Stores, provider_name: str, state: str) -> SignInState:
    key = state_key(state)
    stored = await stores.cache.get(key)
    await stores.cache.delete(key)
    if stored is None:
        raise InvalidToken("This sign-in has expired or was already used; start again.")
    pending = SignInState.model_validate_json(stored)
    if pending.provider != provider_name:
        raise InvalidToken("This sign-in was started with another provider; start again.")
    return pending


def _verified_email(identity: IdentityClaims, provider_name: str) -> str:
    """The e-mail, only when the provider vouches for it."""
    if identity.email is None or not identity.email_verified:
        raise Forbidden(
            "The provider has not verified your e-mail address; verify it there, "
            "or register with an e-mail and password.",
            {"provider": provider_name, "reason": "email_not_verified"},
        )
    return identity.email.strip().lower()


def _check_student_age(birth_date: date | None, minimum_age: int) -> None:
    today = datetime.now(UTC).date()
    if birth_date is None:
        raise ValidationFailed("Students give a birth date to sign up.", {"field": "birth_date"})
    if birth_date > today:
        raise ValidationFailed("The birth date is in the future.", {"field": "birth_date"})
    if age_on(birth_date, today) < minimum_age:
        raise ValidationFailed(
            f"Students under {minimum_age} register with a parent's e-mail instead, "
            "so that the parent can confirm the account.",
            {"field": "birth_date", "register_at": "/api/v1/auth/register"},
        )


def _new_user(
    settings: Settings, email: str, identity: IdentityClaims, pending: SignInState
) -> User:
    role = Role(pending.role)
    if role is Role.STUDENT:
        _check_student_age(pending.birth_date, settings.coppa_minimum_age)
    return User(
        email=email,
        password_hash=None,
        display_name=(identity.name or email)[:120],
        role=role,
        birth_date=pending.birth_date,
        is_active=True,
        # The provider vouched for the address (``_verified_email``).
        email_verified=True,
        preferences={},
    )


def _require_active(user: User) -> None:
    if not user.is_active:
        raise AccountInactive("This account is inactive.")


def _require_linkable(user: User, provider_name: str) -> None:
    """An existing account takes a provider identity only once its owner has proved the address.

    Else whoever registered the address first, without owning it, would keep a password to the
    account its real owner then signs in to with the provider (pre-hijacking).
    """
    _require_active(user)
    if not user.email_verified:
        logger.info(
            "sign-in identity not linked: account e-mail unverified",
            extra={"user_id": str(user.id), "provider": provider_name},
        )
        raise Conflict(
            "An account with this e-mail address exists but has not verified it. Sign in with "
            "your password and verify your e-mail first; then sign in with this provider again.",
            {"reason": "email_unverified_account"},
        )


async def _account_for(
    session: AsyncSession,
    settings: Settings,
    provider_name: str,
    identity: IdentityClaims,
    pending: SignInState,
) -> User:
    """The linked account; else the verified account with the e-mail, linked; else a new one."""
    linked = await session.scalar(
        select(User)
        .join(OidcIdentity, OidcIdentity.user_id == User.id)
        .where(OidcIdentity.provider == provider_name, OidcIdentity.subject == identity.subject)
    )
    if linked is not None:
        _require_active(linked)
        return linked
    email = _verified_email(identity, provider_name)
    user = await session.scalar(select(User).where(User.email_hash == email))
    if user is None:
        user = _new_user(settings, email, identity, pending)
        session.add(user)
        await session.flush()
        logger.info(
            "account created by sign-in", extra={"user_id": str(user.id), "provider": provider_name}
        )
    else:
        _require_linkable(user, provider_name)
    session.add(OidcIdentity(user_id=user.id, provider=provider_name, subject=identity.subject))
    logger.info(
        "sign-in identity linked", extra={"user_id": str(user.id), "provider": provider_name}
    )
    return user


async def finish_sign_in(
    session: AsyncSession, stores: Stores, provider_name: str, code: str, state: str
) -> FinishedSignIn:
    """Redeem the provider's code for a verified ID token, then sign its account in."""
    settings = stores.settings
    provider = _provider(settings, provider_name)
    pending = await _take_state(stores, provider_name, state)
    async with oidc_client.connect(provider) as client:
        identity = await client.redeem_code(
            code, redirect_uri(settings, provider_name), pending.code_verifier, pending.nonce
        )
    try:
        user = await _account_for(session, settings, provider_name, identity, pending)
        await session.flush()
    except IntegrityError:
        # A simultaneous first sign-in of the same person created the account (or the link)
        # first; look again and find it.
        await session.rollback()
        user = await _account_for(session, settings, provider_name, identity, pending)
    return FinishedSignIn(await issue_token_pair(session, stores, user), pending.web_client)


def configured_providers(settings: Settings) -> list[str]:
    """The providers a sign-in page offers, by name."""
    return sorted(settings.oidc_providers)
