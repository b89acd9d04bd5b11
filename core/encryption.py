"""AES-GCM for data that must not rest in plaintext (enrolment photos, face embeddings, evidence
keyframes): the platform and the proctor seal and open it with the same keys from settings.

A sealed value is ``b"WC1" + key id (8 bytes) + nonce (12 bytes) + ciphertext + tag``. The key id
(the first bytes of the key's SHA-256) lets a value sealed under a retired key still be opened
after the key is rotated. Every value is bound to a ``context`` (its object key, or its table
and row) as associated data, so a ciphertext copied to another place does not open there.
"""

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"WC1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_FILE = Path("keys") / "biometric-data.key"


class SealedDataError(ValueError):
    """A sealed value that cannot be opened: tampered, truncated, of another context, or sealed
    under a key that is not configured."""


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


def decode_key(encoded: str) -> bytes:
    """A 256-bit key from its base64 text (as settings hold it)."""
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ValueError("an AES key must be base64 text") from error
    if len(key) != KEY_BYTES:
        raise ValueError(f"an AES key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def new_key_text() -> str:
    """A fresh random 256-bit key as base64 text (for ``WC_BIOMETRIC_KEY``)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


class AesGcmCipher:
    """Seals with the current key; opens with the current key or any retired one."""

    def __init__(self, current: bytes, retired: Iterable[bytes] = ()) -> None:
        self._current_id = _key_id(current)
        self._ciphers = {_key_id(key): AESGCM(key) for key in (*retired, current)}

    @classmethod
    def from_texts(cls, current: str, retired: Iterable[str] = ()) -> "AesGcmCipher":
        return cls(decode_key(current), [decode_key(text) for text in retired])

    def seal(self, plaintext: bytes, *, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)  # random 96-bit nonces: safe far beyond our volumes
        sealed = self._ciphers[self._current_id].encrypt(nonce, plaintext, context.encode())
        return MAGIC + self._current_id + nonce + sealed

    def open(self, sealed: bytes, *, context: str) -> bytes:
        header = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
        if len(sealed) < header or not sealed.startswith(MAGIC):
            raise SealedDataError("not a sealed value")
        key_id = sealed[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealedDataError("sealed under a key that is not configured")
        nonce = sealed[len(MAGIC) + KEY_ID_BYTES : header]
        try:
            return cipher.decrypt(nonce, sealed[header:], context.encode())
        except InvalidTag as error:
            raise SealedDataError("tampered, or sealed for another context") from error


def load_or_create_key(configured: str, data_dir: Path, key_file: Path = KEY_FILE) -> str:
    """The configured key text, or the one generated on first start in ``data_dir/keys`` (the
    API and ``wc serve`` on one machine share the data dir, hence the key)."""
    if configured:
        decode_key(configured)
        return configured
    path = data_dir / key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: a process starting at the same moment reads a
        # whole key or none, and the first link wins.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key_text())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text().strip()
