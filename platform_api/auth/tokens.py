"""RS256 access tokens and opaque refresh tokens."""

import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from core.errors import InvalidToken
from platform_api.auth.keys import SigningKey
from platform_api.auth.models import Role

ACCESS_TOKEN_TYPE = "access"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: Role
    expires_at: int


def issue_access_token(
    key: SigningKey, issuer: str, user_id: uuid.UUID, role: Role, ttl_seconds: int
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": str(user_id),
        "role": role.value,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def decode_access_token(key: SigningKey, issuer: str, token: str) -> AccessClaims:
    """Verify signature (RS256 only: ``none`` and HS256 are refused), expiry, issuer and type."""
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=["RS256"],
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidToken("Not an access token.")
        return AccessClaims(uuid.UUID(claims["sub"]), Role(claims["role"]), int(claims["exp"]))
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The access token has expired.", {"reason": "expired"}) from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise InvalidToken("The access token is not valid.", {"reason": "invalid"}) from exc


class AccessTokenVerifier:
    """Verifies access tokens and remembers recent successes.

    A token string that verified once carries the same claims until it expires, so repeating the
    RSA check on every request of a session buys nothing; a bounded LRU map skips it. Expiry is
    still checked on every hit.
    """

    def __init__(self, key: SigningKey, issuer: str, capacity: int = 10_000) -> None:
        self.key = key
        self.issuer = issuer
        self.capacity = capacity
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is not None and claims.expires_at > time.time():
            self._verified.move_to_end(token)
            return claims
        self._verified.pop(token, None)
        claims = decode_access_token(self.key, self.issuer, token)
        self._verified[token] = claims
        if len(self._verified) > self.capacity:
            self._verified.popitem(last=False)
        return claims


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
