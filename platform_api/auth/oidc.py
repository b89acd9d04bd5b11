"""OpenID Connect sign-in (authorization code with PKCE) at issuers configured by URL.

``start_sign_in`` sends the browser to the provider; ``finish_sign_in`` redeems the code, verifies
the ID token and signs the matching (linked, or newly created) account in.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.auth.models import OidcIdentity, Role, User
from platform_api.auth.schemas import SelfServiceRole, TokenPair
from platform_api.auth.service import age_on, issue_token_pair
from platform_api.errors import (
    AccountInactive,
    Forbidden,
    InvalidToken,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from platform_api.settings import OidcProvider, Settings
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600
METADATA_TTL_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 60
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT = httpx.Timeout(10.0)

# Discovery documents and JWKS by URL, shared by every request of this process.
_documents: dict[str, tuple[float, dict[str, Any]]] = {}


class SignInState(BaseModel):
    """What the callback needs to finish a sign-in, kept in the cache under its ``state``."""

    provider: str
    code_verifier: str
    nonce: str
    role: SelfServiceRole
    birth_date: date | None


class ProviderMetadata(BaseModel):
    """The parts of a discovery document this client uses (defaults are the spec's)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: list[str]
    token_endpoint_auth_methods_supported: list[str] = ["client_secret_basic"]

    @property
    def algorithms(self) -> list[str]:
        advertised = self.id_token_signing_alg_values_supported
        return [alg for alg in SUPPORTED_ALGORITHMS if alg in advertised]


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


def _issuer(provider: OidcProvider) -> str:
    # HttpUrl adds "/" to a bare host; issuers such as https://accounts.google.com have none.
    return str(provider.issuer).rstrip("/")


def _unavailable(provider: OidcProvider, what: str, error: Exception | str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"The sign-in provider could not be reached ({what}); try again later.",
        {"issuer": _issuer(provider), "error": str(error) or type(error).__name__},
    )


async def _fetch_document(
    http: httpx.AsyncClient, provider: OidcProvider, url: str, what: str, *, refresh: bool = False
) -> dict[str, Any]:
    cached = _documents.get(url)
    if cached is not None and not refresh and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = await http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _unavailable(provider, what, exc) from exc
    if not isinstance(document, dict):
        raise _unavailable(provider, what, "not a JSON object")
    _documents[url] = (time.monotonic() + METADATA_TTL_SECONDS, document)
    return document


async def _discover(http: httpx.AsyncClient, provider: OidcProvider) -> ProviderMetadata:
    issuer = _issuer(provider)
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        metadata = ProviderMetadata.model_validate(
            await _fetch_document(http, provider, url, "discovery")
        )
    except ValidationError as exc:
        raise _unavailable(provider, "discovery", "incomplete discovery document") from exc
    if metadata.issuer.rstrip("/") != issuer:
        raise _unavailable(provider, "discovery", f"document names issuer {metadata.issuer}")
    if not metadata.algorithms:
        raise _unavailable(provider, "discovery", "no RS256 or ES256 ID-token signatures")
    return metadata


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def start_sign_in(
    stores: Stores, provider_name: str, role: SelfServiceRole, birth_date: date | None
) -> str:
    """The provider's authorization URL for a new sign-in, whose state is kept for 10 minutes."""
    settings = stores.settings
    provider = _provider(settings, provider_name)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        metadata = await _discover(http, provider)
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    pending = SignInState(
        provider=provider_name,
        code_verifier=verifier,
        nonce=secrets.token_urlsafe(32),
        role=role,
        birth_date=birth_date,
    )
    await stores.cache.set(state_key(state), pending.model_dump_json().encode(), STATE_TTL_SECONDS)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(settings, provider_name),
        "scope": provider.scopes,
        "state": state,
        "nonce": pending.nonce,
        "code_challenge": _pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if "name" in provider.scopes.split():
        # Apple's own "name" scope is only granted with a form-posted response.
        query["response_mode"] = "form_post"
    separator = "&" if "?" in metadata.authorization_endpoint else "?"
    return f"{metadata.authorization_endpoint}{separator}{urlencode(query)}"


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


def _client_authentication(
    provider: OidcProvider, metadata: ProviderMetadata, form: dict[str, str]
) -> tuple[dict[str, str], httpx.BasicAuth | None]:
    """The token request's form and Basic credentials: client_secret_basic if offered, else post."""
    methods = metadata.token_endpoint_auth_methods_supported
    if provider.client_secret and "client_secret_basic" in methods:
        # RFC 6749 2.3.1: both halves are form-encoded before the Basic encoding.
        return form, httpx.BasicAuth(
            quote_plus(provider.client_id), quote_plus(provider.client_secret)
        )
    secret = {"client_secret": provider.client_secret} if provider.client_secret else {}
    return {**form, "client_id": provider.client_id, **secret}, None


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _exchange_code(
    http: httpx.AsyncClient,
    provider: OidcProvider,
    metadata: ProviderMetadata,
    form: dict[str, str],
) -> str:
    """Redeem the code at the token endpoint; the provider's ID token."""
    form, auth = _client_authentication(provider, metadata, form)
    try:
        response = await http.post(
            metadata.token_endpoint,
            data=form,
            auth=auth or httpx.USE_CLIENT_DEFAULT,
            headers={"Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise _unavailable(provider, "token", exc) from exc
    if response.status_code >= 500:
        raise _unavailable(provider, "token", f"HTTP {response.status_code}")
    body = _json_object(response)
    id_token = body.get("id_token")
    if response.status_code != 200 or not isinstance(id_token, str):
        raise InvalidToken(
            "The provider refused to redeem the sign-in code.",
            {
                "provider_error": body.get("error", f"http_{response.status_code}"),
                "provider_message": body.get("error_description"),
            },
        )
    return id_token


def _find_key(document: dict[str, Any], kid: str | None) -> jwt.PyJWK | None:
    keys = [
        key for key in jwt.PyJWKSet.from_dict(document).keys if key.public_key_use in (None, "sig")
    ]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.key_id == kid), None)


async def _signing_key(
    http: httpx.AsyncClient, provider: OidcProvider, metadata: ProviderMetadata, kid: str | None
) -> jwt.PyJWK:
    # A kid we do not know means the provider rotated its keys: fetch them again once.
    for refresh in (False, True):
        document = await _fetch_document(
            http, provider, metadata.jwks_uri, "signing keys", refresh=refresh
        )
        try:
            key = _find_key(document, kid)
        except jwt.PyJWKSetError as exc:
            raise _unavailable(provider, "signing keys", exc) from exc
        if key is not None:
            return key
    raise InvalidToken("The ID token is signed with a key the provider does not publish.")


async def _verify_id_token(
    http: httpx.AsyncClient,
    provider: OidcProvider,
    metadata: ProviderMetadata,
    id_token: str,
    nonce: str,
) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(id_token)
        algorithm = header.get("alg")
        if algorithm not in metadata.algorithms:
            raise InvalidToken("The ID token's algorithm is not allowed.", {"alg": algorithm})
        key = await _signing_key(http, provider, metadata, header.get("kid"))
        if key.algorithm_name != algorithm:
            raise InvalidToken("The ID token's algorithm does not match its key.")
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=[algorithm],
            audience=provider.client_id,
            issuer=metadata.issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken("The provider's ID token is not valid.", {"reason": str(exc)}) from exc
    if claims.get("azp", provider.client_id) != provider.client_id:
        raise InvalidToken("The ID token was issued to another client.")
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise InvalidToken("The ID token does not belong to this sign-in (nonce).")
    return claims


def _verified_email(claims: dict[str, Any], provider_name: str) -> str:
    """The e-mail, only when the provider vouches for it (Apple sends the flag as a string)."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") not in (True, "true"):
        raise Forbidden(
            "The provider has not verified your e-mail address; verify it there, "
            "or register with an e-mail and password.",
            {"provider": provider_name, "reason": "email_not_verified"},
        )
    return email.strip().lower()


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


def _new_user(settings: Settings, email: str, claims: dict[str, Any], pending: SignInState) -> User:
    role = Role(pending.role)
    if role is Role.STUDENT:
        _check_student_age(pending.birth_date, settings.coppa_minimum_age)
    name = claims.get("name")
    display_name = name.strip() if isinstance(name, str) and name.strip() else email
    return User(
        email=email,
        password_hash=None,
        display_name=display_name[:120],
        role=role,
        birth_date=pending.birth_date,
        is_active=True,
        preferences={},
    )


def _require_active(user: User) -> None:
    if not user.is_active:
        raise AccountInactive("This account is inactive.")


async def _account_for(
    session: AsyncSession,
    settings: Settings,
    provider_name: str,
    claims: dict[str, Any],
    pending: SignInState,
) -> User:
    """The linked account; else the account with the verified e-mail, linked; else a new one."""
    subject = str(claims["sub"])
    linked = await session.scalar(
        select(User)
        .join(OidcIdentity, OidcIdentity.user_id == User.id)
        .where(OidcIdentity.provider == provider_name, OidcIdentity.subject == subject)
    )
    if linked is not None:
        _require_active(linked)
        return linked
    email = _verified_email(claims, provider_name)
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = _new_user(settings, email, claims, pending)
        session.add(user)
        await session.flush()
        logger.info(
            "account created by sign-in", extra={"user_id": str(user.id), "provider": provider_name}
        )
    _require_active(user)
    session.add(OidcIdentity(user_id=user.id, provider=provider_name, subject=subject))
    logger.info(
        "sign-in identity linked", extra={"user_id": str(user.id), "provider": provider_name}
    )
    return user


async def finish_sign_in(
    session: AsyncSession, stores: Stores, provider_name: str, code: str, state: str
) -> TokenPair:
    """Redeem the provider's code for a verified ID token, then sign its account in."""
    settings = stores.settings
    provider = _provider(settings, provider_name)
    pending = await _take_state(stores, provider_name, state)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings, provider_name),
        "code_verifier": pending.code_verifier,
    }
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        metadata = await _discover(http, provider)
        id_token = await _exchange_code(http, provider, metadata, form)
        claims = await _verify_id_token(http, provider, metadata, id_token, pending.nonce)
    user = await _account_for(session, settings, provider_name, claims, pending)
    return await issue_token_pair(session, stores, user)
