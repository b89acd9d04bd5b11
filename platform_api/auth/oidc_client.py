"""The relying party's side of OpenID Connect: discovery, PKCE, code exchange, ID-token checks.

It knows a provider only by its settings; which account signs in is ``oidc``'s job.
"""

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt
from pydantic import BaseModel, ValidationError

from core.errors import InvalidToken, ServiceUnavailable
from core.settings import OidcProvider

METADATA_TTL_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 60
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT = httpx.Timeout(10.0)

# Discovery documents and JWKS by URL, shared by every request of this process.
_documents: dict[str, tuple[float, dict[str, Any]]] = {}


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


class IdentityClaims(BaseModel):
    """Who a verified ID token says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "IdentityClaims":
        email, name = claims.get("email"), claims.get("name")
        return cls(
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            # Apple sends the flag as a string.
            email_verified=claims.get("email_verified") in (True, "true"),
            name=(name.strip() or None) if isinstance(name, str) else None,
        )


def new_pkce_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636: 43 to 128 URL-safe characters)."""
    return secrets.token_urlsafe(48)


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _find_key(document: dict[str, Any], kid: str | None) -> jwt.PyJWK | None:
    keys = [
        key for key in jwt.PyJWKSet.from_dict(document).keys if key.public_key_use in (None, "sig")
    ]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.key_id == kid), None)


class OidcClient:
    """One configured provider, spoken to through one HTTP client."""

    def __init__(self, provider: OidcProvider, http: httpx.AsyncClient) -> None:
        self.provider = provider
        # HttpUrl adds "/" to a bare host; issuers such as https://accounts.google.com have none.
        self.issuer = str(provider.issuer).rstrip("/")
        self._http = http

    async def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        """Where to send the browser to sign in; the answer comes back to ``redirect_uri``."""
        metadata = await self.metadata()
        provider = self.provider
        query = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": provider.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _pkce_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        if provider.response_mode == "form_post":
            query["response_mode"] = "form_post"
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return f"{metadata.authorization_endpoint}{separator}{urlencode(query)}"

    async def redeem_code(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> IdentityClaims:
        """Redeem the code at the token endpoint; the claims of its verified ID token."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        id_token = await self._exchange_code(metadata, form)
        claims = await self._verify_id_token(metadata, id_token, nonce)
        return IdentityClaims.from_claims(claims)

    async def metadata(self) -> ProviderMetadata:
        """The provider's discovery document, checked to name this issuer and a usable algorithm."""
        url = f"{self.issuer}/.well-known/openid-configuration"
        try:
            metadata = ProviderMetadata.model_validate(await self._fetch_document(url, "discovery"))
        except ValidationError as exc:
            raise self._unavailable("discovery", "incomplete discovery document") from exc
        if metadata.issuer.rstrip("/") != self.issuer:
            raise self._unavailable("discovery", f"document names issuer {metadata.issuer}")
        if not metadata.algorithms:
            raise self._unavailable("discovery", "no RS256 or ES256 ID-token signatures")
        return metadata

    def _unavailable(self, what: str, error: Exception | str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"The sign-in provider could not be reached ({what}); try again later.",
            {"issuer": self.issuer, "error": str(error) or type(error).__name__},
        )

    async def _fetch_document(
        self, url: str, what: str, *, refresh: bool = False
    ) -> dict[str, Any]:
        cached = _documents.get(url)
        if cached is not None and not refresh and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise self._unavailable(what, exc) from exc
        if not isinstance(document, dict):
            raise self._unavailable(what, "not a JSON object")
        _documents[url] = (time.monotonic() + METADATA_TTL_SECONDS, document)
        return document

    def _client_authentication(
        self, metadata: ProviderMetadata, form: dict[str, str]
    ) -> tuple[dict[str, str], httpx.BasicAuth | None]:
        """The token request's form and Basic auth: client_secret_basic if offered, else post."""
        provider = self.provider
        methods = metadata.token_endpoint_auth_methods_supported
        if provider.client_secret and "client_secret_basic" in methods:
            # RFC 6749 2.3.1: both halves are form-encoded before the Basic encoding.
            return form, httpx.BasicAuth(
                quote_plus(provider.client_id), quote_plus(provider.client_secret)
            )
        secret = {"client_secret": provider.client_secret} if provider.client_secret else {}
        return {**form, "client_id": provider.client_id, **secret}, None

    async def _exchange_code(self, metadata: ProviderMetadata, form: dict[str, str]) -> str:
        """Redeem the code at the token endpoint; the provider's ID token."""
        form, auth = self._client_authentication(metadata, form)
        try:
            response = await self._http.post(
                metadata.token_endpoint,
                data=form,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise self._unavailable("token", exc) from exc
        if response.status_code >= 500:
            raise self._unavailable("token", f"HTTP {response.status_code}")
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

    async def _signing_key(self, metadata: ProviderMetadata, kid: str | None) -> jwt.PyJWK:
        # A kid we do not know means the provider rotated its keys: fetch them again once.
        for refresh in (False, True):
            document = await self._fetch_document(
                metadata.jwks_uri, "signing keys", refresh=refresh
            )
            try:
                key = _find_key(document, kid)
            except jwt.PyJWKSetError as exc:
                raise self._unavailable("signing keys", exc) from exc
            if key is not None:
                return key
        raise InvalidToken("The ID token is signed with a key the provider does not publish.")

    async def _verify_id_token(
        self, metadata: ProviderMetadata, id_token: str, nonce: str
    ) -> dict[str, Any]:
        client_id = self.provider.client_id
        try:
            header = jwt.get_unverified_header(id_token)
            algorithm = header.get("alg")
            if algorithm not in metadata.algorithms:
                raise InvalidToken("The ID token's algorithm is not allowed.", {"alg": algorithm})
            key = await self._signing_key(metadata, header.get("kid"))
            if key.algorithm_name != algorithm:
                raise InvalidToken("The ID token's algorithm does not match its key.")
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=[algorithm],
                audience=client_id,
                issuer=metadata.issuer,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(
                "The provider's ID token is not valid.", {"reason": str(exc)}
            ) from exc
        if claims.get("azp", client_id) != client_id:
            raise InvalidToken("The ID token was issued to another client.")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise InvalidToken("The ID token does not belong to this sign-in (nonce).")
        return claims


@asynccontextmanager
async def connect(provider: OidcProvider) -> AsyncIterator[OidcClient]:
    """A client for ``provider`` whose connections close when the block ends."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        yield OidcClient(provider, http)
