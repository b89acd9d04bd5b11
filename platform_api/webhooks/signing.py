"""Signatures of webhook deliveries, and their check (what a receiver does, in Python).

``Water-Classroom-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`` where each ``v1`` is
HMAC-SHA256 over ``"<t>.<raw body>"`` with one of the subscription's secrets: during a secret
rotation the old and the new secret both sign, so a receiver holding either accepts. A receiver
refuses a timestamp outside its replay window (five minutes by default).
"""

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Water-Classroom-Signature"
SIGNATURE_SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"]
    parts += [
        f"{SIGNATURE_SCHEME}={_digest(secret, timestamp, body)}" for secret in signing_secrets
    ]
    return ",".join(parts)


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time inside the replay window."""
    fields = [part.partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in fields if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body)
    return any(
        hmac.compare_digest(expected, value) for key, _, value in fields if key == SIGNATURE_SCHEME
    )
