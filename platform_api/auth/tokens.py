"""RS256 access tokens and opaque refresh tokens."""

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from platform_api.auth.keys import SigningKey
from platform_api.auth.models import Role
from platform_api.errors import InvalidToken

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


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
