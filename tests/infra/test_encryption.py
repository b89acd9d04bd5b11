"""AES-GCM sealing of biometric data: round trip, context binding, rotation, tampering, keys."""

import os
from pathlib import Path

import pytest

from core.encryption import AesGcmCipher, SealedDataError, load_or_create_key, new_key_text
from proctor.staging.portraits import astronaut_photo


def _photo_bytes() -> bytes:
    return astronaut_photo().tobytes()


def test_a_sealed_photo_opens_only_in_its_own_context() -> None:
    cipher = AesGcmCipher.from_texts(new_key_text())
    photo = _photo_bytes()
    sealed = cipher.seal(photo, context="enrolment/a")

    assert cipher.open(sealed, context="enrolment/a") == photo
    assert photo[:64] not in sealed, "no plaintext at rest"
    assert cipher.seal(photo, context="enrolment/a") != sealed, "a fresh nonce every time"
    with pytest.raises(SealedDataError):
        cipher.open(sealed, context="enrolment/b")


def test_tampered_or_foreign_values_are_refused() -> None:
    cipher = AesGcmCipher.from_texts(new_key_text())
    sealed = bytearray(cipher.seal(b"embedding", context="row"))
    sealed[-1] ^= 1
    for broken in (bytes(sealed), b"WC1short", b"plaintext that was never sealed"):
        with pytest.raises(SealedDataError):
            cipher.open(broken, context="row")
    other = AesGcmCipher.from_texts(new_key_text())
    with pytest.raises(SealedDataError, match="not configured"):
        other.open(cipher.seal(b"x", context="row"), context="row")


def test_values_sealed_before_a_rotation_still_open() -> None:
    old, new = new_key_text(), new_key_text()
    sealed_before = AesGcmCipher.from_texts(old).seal(b"keyframe", context="k")
    rotated = AesGcmCipher.from_texts(new, retired=[old])

    assert rotated.open(sealed_before, context="k") == b"keyframe"
    assert AesGcmCipher.from_texts(new).open(rotated.seal(b"y", context="k"), context="k") == b"y"


def test_the_key_is_configured_or_generated_once_private(tmp_path: Path) -> None:
    generated = load_or_create_key("", tmp_path)
    assert load_or_create_key("", tmp_path) == generated, "every process of the machine shares it"
    key_files = list((tmp_path / "keys").iterdir())
    assert len(key_files) == 1 and os.stat(key_files[0]).st_mode & 0o777 == 0o600

    configured = new_key_text()
    assert load_or_create_key(configured, tmp_path) == configured
    with pytest.raises(ValueError):
        load_or_create_key("not base64!", tmp_path)
