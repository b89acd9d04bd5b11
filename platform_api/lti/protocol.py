"""The LTI 1.3 security protocol through pylti1p3: third-party login initiation, then the
launch's checks (state, nonce, registration, signature against the platform's JWKS, deployment,
message), each failure reported with its own reason."""

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from fastapi.responses import Response
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError
from platform_api.lti.adapter import (
    CacheLaunchStorage,
    LaunchRequest,
    LoginRedirect,
    ResponseCookies,
    SingleUseNonces,
)
from platform_api.lti.claims import LaunchClaims
from platform_api.lti.errors import (
    LaunchInvalid,
    LaunchRefused,
    PlatformServiceFailed,
    PlatformUnknown,
)
from platform_api.lti.keys import tool_key
from platform_api.lti.models import LtiRegistration
from platform_api.lti.services import platform_http_session
from platform_api.lti.tool_config import DatabaseToolConf, load_tool_config
from platform_api.wiring import Stores

LAUNCH_PATH = "/api/v1/lti/launch"
PLATFORM_KEYS_TTL_SECONDS = 300


def launch_url(stores: Stores) -> str:
    """The tool's launch (redirect) URL: registered at the platform, named in every login."""
    return f"{stores.settings.base_url}{LAUNCH_PATH}"


@contextmanager
def _step(error: type[AppError], reason: str, message: str) -> Iterator[None]:
    """Report a failed pylti1p3 check as ``error`` with a stable ``reason``."""
    try:
        yield
    except LtiException as exc:
        raise error(message, {"reason": reason, "detail": str(exc)}) from exc


class FastApiOidcLogin(
    OIDCLogin[LaunchRequest, DatabaseToolConf, SingleUseNonces, ResponseCookies, Response]
):
    def get_redirect(self, url: str) -> LoginRedirect:
        return LoginRedirect(url, self._cookie_service)


class FastApiMessageLaunch(
    MessageLaunch[LaunchRequest, DatabaseToolConf, SingleUseNonces, ResponseCookies]
):
    """pylti1p3's launch, whose checks report why they refused, and which fetches the
    platform's keys again once when the token names a key the cached set lacks (rotation)."""

    _keys_fetched_again = False

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def get_public_key(self) -> tuple[str, str]:
        try:
            return super().get_public_key()
        except LtiException:
            cached = self._public_key_cache_data_storage
            if self._keys_fetched_again or not isinstance(cached, CacheLaunchStorage):
                raise
            assert self._registration is not None, "found before the signature is checked"
            self._keys_fetched_again = True
            self._registration.set_key_set(None)
            self._public_key_cache_data_storage = cached.refreshing()
            try:
                return super().get_public_key()
            finally:
                self._public_key_cache_data_storage = cached

    def validate_state(self) -> "FastApiMessageLaunch":
        with _step(LaunchRefused, "state", "The launch's state is unknown: start from the LMS."):
            super().validate_state()
        return self

    def validate_jwt_format(self) -> "FastApiMessageLaunch":
        with _step(LaunchInvalid, "format", "The id_token is not a JWT."):
            super().validate_jwt_format()
        return self

    def validate_nonce(self) -> "FastApiMessageLaunch":
        with _step(LaunchRefused, "nonce", "The launch's nonce is unknown or already used."):
            super().validate_nonce()
        return self

    def validate_registration(self) -> "FastApiMessageLaunch":
        with _step(PlatformUnknown, "registration", "This platform is not registered here."):
            super().validate_registration()
        return self

    def validate_jwt_signature(self) -> "FastApiMessageLaunch":
        try:
            super().validate_jwt_signature()
        except LtiException as exc:
            raise _signature_error(exc) from exc
        except (KeyError, TypeError, AttributeError) as exc:  # a JWKS without a "keys" list
            raise PlatformServiceFailed(
                "The platform's JWKS is not a key set.", {"reason": "platform_keys"}
            ) from exc
        return self

    def validate_deployment(self) -> "FastApiMessageLaunch":
        with _step(PlatformUnknown, "deployment", "This deployment is not registered here."):
            super().validate_deployment()
        return self

    def validate_message(self) -> "FastApiMessageLaunch":
        with _step(LaunchInvalid, "claims", "The launch message is not a valid LTI 1.3 one."):
            super().validate_message()
        return self


def _signature_error(exc: LtiException) -> AppError:
    cause = exc.__cause__
    if isinstance(cause, jwt.ExpiredSignatureError):
        return LaunchRefused(
            "The launch has expired: start again from the LMS.", {"reason": "expired"}
        )
    if isinstance(cause, requests.RequestException | ValueError):
        return PlatformServiceFailed(
            "The platform's JWKS could not be fetched.",
            {"reason": "platform_keys", "detail": str(exc)},
        )
    return LaunchRefused(
        "The launch's signature does not verify with the platform's keys.",
        {"reason": "signature", "detail": str(exc)},
    )


def _unverified_sender(id_token: str) -> tuple[str, str]:
    """Issuer and client id named by a token not yet verified (to find its registration)."""
    try:
        claims = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise LaunchInvalid("The id_token is not a JWT.", {"reason": "format"}) from exc
    issuer, audience = claims.get("iss"), claims.get("aud")
    client_id = audience[0] if isinstance(audience, list) and audience else audience
    if not isinstance(issuer, str) or not isinstance(client_id, str):
        raise LaunchInvalid("The id_token names no issuer or audience.", {"reason": "claims"})
    return issuer, client_id


async def _tool_config(
    session: AsyncSession, stores: Stores, issuer: str, client_id: str
) -> tuple[DatabaseToolConf, LtiRegistration]:
    config = await load_tool_config(session, issuer, client_id, tool_key(stores.settings))
    row = config.row(client_id)
    if row is None:
        raise PlatformUnknown(
            "This platform is not registered here.", {"reason": "registration", "issuer": issuer}
        )
    return config, row


async def start_login(
    session: AsyncSession, stores: Stores, params: Mapping[str, str], secure: bool
) -> Response:
    """Answer a third-party login initiation: to the platform's authorization endpoint."""
    issuer, client_id = params.get("iss", ""), params.get("client_id", "")
    if not issuer or not params.get("login_hint"):
        raise LaunchInvalid("A login initiation names iss and login_hint.", {"reason": "login"})
    config, _ = await _tool_config(session, stores, issuer, client_id)
    request = LaunchRequest(params, secure)
    storage = CacheLaunchStorage(stores.cache, asyncio.get_running_loop())
    login = FastApiOidcLogin(
        request, config, SingleUseNonces(request, storage), ResponseCookies({}, secure), storage
    )
    try:
        redirect: Response = await asyncio.to_thread(login.redirect, launch_url(stores))
    except OIDCException as exc:
        raise LaunchInvalid(str(exc), {"reason": "login"}) from exc
    return redirect


@dataclass(frozen=True)
class ValidatedLaunch:
    registration: LtiRegistration
    launch_id: str
    claims: LaunchClaims


async def validate_launch(
    session: AsyncSession,
    stores: Stores,
    params: Mapping[str, str],
    cookies: Mapping[str, str],
    secure: bool,
) -> ValidatedLaunch:
    """Every check of the launch; its parsed claims, or an error saying which check failed."""
    id_token = params.get("id_token", "")
    if not id_token or not params.get("state"):
        raise LaunchInvalid("A launch posts id_token and state.", {"reason": "format"})
    config, row = await _tool_config(session, stores, *_unverified_sender(id_token))
    request = LaunchRequest(params, secure)
    storage = CacheLaunchStorage(stores.cache, asyncio.get_running_loop())
    launch = FastApiMessageLaunch(
        request,
        config,
        SingleUseNonces(request, storage),
        ResponseCookies(cookies, secure),
        storage,
        platform_http_session(),
    )
    launch.set_public_key_caching(storage, PLATFORM_KEYS_TTL_SECONDS)
    body: dict[str, Any] = dict(await asyncio.to_thread(launch.get_launch_data))
    return ValidatedLaunch(row, launch.get_launch_id(), LaunchClaims.parse(body))
