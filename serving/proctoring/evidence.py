"""Evidence keyframes sealed with AES-GCM into the object store, under keys nobody can guess.

Keys are ``proctor-evidence/<session id>/<192 random bits>``: the prefix lets the platform purge
or erase a session's evidence at once; the random part is what keeps one keyframe from being
found from another. The object key is the cipher's context, so a keyframe copied elsewhere
does not open.
"""

import secrets

from core.encryption import AesGcmCipher
from core.infra.objects import ObjectStore
from proctor.signals import SignalKind

EVIDENCE_ROOT = "proctor-evidence"
SEALED_CONTENT_TYPE = "application/octet-stream"


def evidence_prefix(session_id: str) -> str:
    return f"{EVIDENCE_ROOT}/{session_id}/"


class SealedEvidenceSink:
    """The ``proctor.evidence.EvidenceSink`` of one session in the Serve deployment."""

    def __init__(self, store: ObjectStore, cipher: AesGcmCipher, session_id: str) -> None:
        self._store = store
        self._cipher = cipher
        self._prefix = evidence_prefix(session_id)

    async def save(self, jpeg: bytes, *, at: float, kind: SignalKind) -> str:
        key = f"{self._prefix}{secrets.token_urlsafe(24)}"
        await self._store.put(key, self._cipher.seal(jpeg, context=key), SEALED_CONTENT_TYPE)
        return key


def open_keyframe(cipher: AesGcmCipher, key: str, sealed: bytes) -> bytes:
    """The JPEG of a keyframe read back from the store (for reviewers)."""
    return cipher.open(sealed, context=key)
