"""Who is calling, and may they: typed dependencies that declare each route's permission.

Every protected route takes one of these aliases as a parameter, so the roles allowed on a route
can be read from the route table (the authorization-matrix test does exactly that).
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Scope

from core.errors import AppError, Forbidden, NotAuthenticated
from platform_api.auth.account_state import account_closed, ensure_account_open
from platform_api.auth.models import Role, User
from platform_api.auth.tokens import AccessClaims, AccessTokenVerifier
from platform_api.deps import DbSession
from platform_api.wiring import Stores

_bearer = HTTPBearer(auto_error=False, description="RS256 access token from /api/v1/auth/login")
CLAIMS_STATE_KEY = "access_claims"


def _bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def identify_bearer(scope: Scope, verifier: AccessTokenVerifier) -> str | None:
    """For the rate limiter: the verified subject of the request's token, kept for the route."""
    headers = dict(scope.get("headers") or [])
    token = _bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
    if token is None:
        return None
    try:
        claims = verifier.verify(token)
    except AppError:
        return None
    scope.setdefault("state", {})[CLAIMS_STATE_KEY] = claims
    return str(claims.user_id)


async def preverified_principal(request: Request) -> AccessClaims | None:
    """``Principal`` of a request whose token the rate limiter verified already (its account
    still open, else 401); None when it did not: no token, or one that failed there."""
    claims = request.scope.get("state", {}).get(CLAIMS_STATE_KEY)
    if not isinstance(claims, AccessClaims):
        return None
    stores: Stores = request.app.state.stores
    await ensure_account_open(stores.cache, stores.database, claims.user_id)
    return claims


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """The verified claims of the request's token, whose account is still open (else 401)."""
    # Runs on every protected request: it reads the stores off the app rather than taking them
    # as one more dependency, since each dependency costs FastAPI work on every call.
    claims = await preverified_principal(request)
    if claims is not None:
        return claims
    if credentials is None:
        raise NotAuthenticated(
            "Sign in: send 'Authorization: Bearer <access token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    stores: Stores = request.app.state.stores
    claims = stores.token_verifier.verify(credentials.credentials)
    await ensure_account_open(stores.cache, stores.database, claims.user_id)
    return claims


Principal = Annotated[AccessClaims, Depends(authenticated)]


async def current_user(principal: Principal, session: DbSession) -> User:
    user = await session.get(User, principal.user_id)
    if user is None or not user.is_active:  # closed since ``authenticated`` looked
        raise account_closed()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


class RoleGate:
    """Dependency that admits only the given roles (403 otherwise)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, principal: Principal) -> AccessClaims:
        if principal.role not in self.roles:
            allowed = sorted(role.value for role in self.roles)
            raise Forbidden("Your role may not do this.", {"allowed_roles": allowed})
        return principal


Staff = Annotated[AccessClaims, Depends(RoleGate(Role.TEACHER, Role.ADMIN))]
Admin = Annotated[AccessClaims, Depends(RoleGate(Role.ADMIN))]
# Content generation and review: content editors and admins on any course, teachers on their own
# (the per-course part is checked by the content service).
ContentTeam = Annotated[
    AccessClaims, Depends(RoleGate(Role.CONTENT_EDITOR, Role.ADMIN, Role.TEACHER))
]
