"""pylti1p3's web-framework interfaces, for FastAPI: request, cookies, redirect, launch data.

pylti1p3 is synchronous (it fetches platform keys with ``requests``), so its checks run in a
worker thread; ``CacheLaunchStorage`` hands each of its cache calls to the event loop that owns
the app's cache (Redis or in-process), so nonces and states live where every process sees them.
"""

import asyncio
import html
import json
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pylti1p3.cookie import CookieService
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request
from pylti1p3.session import SessionService

from core.infra.cache import Cache

T = TypeVar("T")
# Nonces, states and saved launches: a launch must follow its login within this time.
LAUNCH_DATA_TTL_SECONDS = 600
CACHE_CALL_TIMEOUT_SECONDS = 10.0
COOKIE_PATH = "/api/v1/lti"


class LaunchRequest(Request):
    """The parameters of a login initiation or launch (query and form, read beforehand)."""

    def __init__(self, params: Mapping[str, str], secure: bool) -> None:
        self._params = dict(params)
        self._secure = secure

    @property
    def session(self) -> dict[str, Any]:
        # Launch data lives in ``CacheLaunchStorage``, never in a framework session.
        return {}

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._params.get(key, "")


class ResponseCookies(CookieService):
    """Reads the request's cookies; collects the ones to set on the response."""

    def __init__(self, request_cookies: Mapping[str, str], secure: bool) -> None:
        self._request_cookies = request_cookies
        self._secure = secure
        self._pending: dict[str, tuple[str, int | None]] = {}

    def _name(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return self._request_cookies.get(self._name(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self._pending[self._name(name)] = (str(value), exp)

    def apply(self, response: Response) -> None:
        # The launch is a cross-site form post from the platform: over HTTPS the cookie must be
        # SameSite=None (and so Secure) to come back with it.
        for name, (value, max_age) in self._pending.items():
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path=COOKIE_PATH,
                secure=self._secure,
                httponly=True,
                samesite="none" if self._secure else "lax",
            )


@dataclass
class LoginRedirect(Redirect[Response]):
    """Where the login initiation sends the browser: the platform's authorization endpoint."""

    location: str
    cookies: ResponseCookies

    def do_redirect(self) -> Response:
        response = RedirectResponse(self.location, 302)
        self.cookies.apply(response)
        return response

    def do_js_redirect(self) -> Response:
        target = json.dumps(self.location).replace("<", "\\u003c")
        response = HTMLResponse(f"<script>window.location.replace({target});</script>")
        self.cookies.apply(response)
        return response

    def set_redirect_url(self, location: str) -> None:
        self.location = location

    def get_redirect_url(self) -> str:
        return self.location


def auto_submit_form(action: str, fields: Mapping[str, str]) -> str:
    """An HTML page that posts ``fields`` to ``action`` as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        '<!doctype html><html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )


class CacheLaunchStorage(LaunchDataStorage[Any]):
    """pylti1p3's launch data (nonces, states, launches, platform keys) in the app's cache.

    Called from a worker thread; each call runs on ``loop``, the loop the cache belongs to. Keys
    are not tied to a session cookie: the state cookie ties a launch to its browser.
    """

    def __init__(self, cache: Cache, loop: asyncio.AbstractEventLoop, reads: bool = True) -> None:
        super().__init__()
        self._cache = cache
        self._loop = loop
        self._reads = reads

    def refreshing(self) -> "CacheLaunchStorage":
        """This store, finding nothing: what is fetched again is written over the old value."""
        return CacheLaunchStorage(self._cache, self._loop, reads=False)

    def _run(self, call: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result(CACHE_CALL_TIMEOUT_SECONDS)

    def _key(self, key: str) -> str:
        return f"lti:{self._prepare_key(key)}"

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        if not self._reads:
            return None
        stored = self._run(self._cache.get(self._key(key)))
        return None if stored is None else json.loads(stored)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        ttl = exp or LAUNCH_DATA_TTL_SECONDS
        self._run(self._cache.set(self._key(key), json.dumps(value).encode(), ttl))

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take_value(self, key: str) -> bool:
        """Whether the key holds a value and this is its first taking (atomic: SET NX)."""
        if not self.check_value(key):
            return False
        taken = self._run(self._cache.add(self._key(key) + ":taken", b"1", LAUNCH_DATA_TTL_SECONDS))
        self._run(self._cache.delete(self._key(key)))
        return taken


class SingleUseNonces(SessionService):
    """pylti1p3's session service, whose nonce check also spends the nonce: a replayed id token
    finds it gone (pylti1p3 alone only checks that the nonce was issued)."""

    def __init__(self, request: LaunchRequest, storage: CacheLaunchStorage) -> None:
        super().__init__(request)
        self._storage = storage
        self.set_data_storage(storage)
        self.set_launch_data_lifetime(LAUNCH_DATA_TTL_SECONDS)

    def check_nonce(self, nonce: str) -> bool:
        return self._storage.take_value(self._get_key("nonce", nonce))
