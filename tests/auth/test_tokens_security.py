"""Tampered, expired and wrong-algorithm tokens are refused; refresh reuse revokes the family."""

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization

from tests.fixtures.app import Api


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _me(api: Api, token: str) -> tuple[int, str]:
    response = await api.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json().get("error", {}).get("code", "")


async def test_valid_token_is_accepted(api: Api) -> None:
    student = await api.account("student")
    assert await _me(api, student.access_token) == (200, "")


async def test_tampered_payload_is_refused(api: Api) -> None:
    student = await api.account("student")
    header, payload, signature = student.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    assert await _me(api, f"{header}.{_b64(claims)}.{signature}") == (401, "invalid_token")


async def test_expired_token_is_refused(api: Api) -> None:
    student = await api.account("student")
    key = api.stores.signing_key
    now = int(time.time())
    expired = jwt.encode(
        {
            "iss": api.settings.jwt_issuer,
            "sub": str(student.id),
            "role": "student",
            "typ": "access",
            "iat": now - 3600,
            "exp": now - 60,
        },
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    status, code = await _me(api, expired)
    assert (status, code) == (401, "invalid_token")


async def test_alg_none_is_refused(api: Api) -> None:
    student = await api.account("student")
    claims = jwt.decode(student.access_token, options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert await _me(api, unsigned) == (401, "invalid_token")


async def test_hs256_signed_with_public_key_is_refused(api: Api) -> None:
    """The classic key-confusion attack: HMAC keyed with the server's public RSA key."""
    import hashlib
    import hmac

    student = await api.account("student")
    claims = jwt.decode(student.access_token, options={"verify_signature": False})
    claims["role"] = "admin"
    public_pem = api.stores.signing_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert await _me(api, forged) == (401, "invalid_token")


async def test_token_from_another_key_is_refused(api: Api) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    student = await api.account("student")
    claims = jwt.decode(student.access_token, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert await _me(api, jwt.encode(claims, other, algorithm="RS256")) == (401, "invalid_token")


async def test_missing_token_is_401_with_error_shape(api: Api) -> None:
    response = await api.client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_refresh_rotates_and_reuse_revokes_the_family(api: Api) -> None:
    student = await api.account("student")
    first = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": student.refresh_token}
    )
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != student.refresh_token

    reuse = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": student.refresh_token}
    )
    assert reuse.status_code == 401
    assert reuse.json()["error"]["details"] == {"reason": "reuse_detected"}

    # The legitimate holder's newer token died with the family.
    after = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token(api: Api) -> None:
    student = await api.account("student")
    out = await api.client.post(
        "/api/v1/auth/logout", json={"refresh_token": student.refresh_token}
    )
    assert out.status_code == 204
    again = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": student.refresh_token}
    )
    assert again.status_code == 401


async def test_jwks_verifies_issued_tokens(api: Api) -> None:
    student = await api.account("student")
    jwks = (await api.client.get("/api/v1/auth/jwks")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(
        student.access_token, key.key, algorithms=["RS256"], issuer=api.settings.jwt_issuer
    )
    assert claims["sub"] == str(student.id)
