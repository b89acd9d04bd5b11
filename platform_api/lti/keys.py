"""The tool's own RSA key: it signs deep-linking responses and service-token assertions, and its
public half is published as the tool's JWKS for platforms to verify them."""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from pylti1p3.registration import Registration

from core.settings import Settings
from platform_api.auth.keys import load_or_create_signing_key


@dataclass(frozen=True)
class ToolKey:
    """The key as pylti1p3 takes it (PEM text); its key id is pylti1p3's (the JWK thumbprint)."""

    private_pem: str
    public_pem: str

    def jwks(self) -> dict[str, Any]:
        return {"keys": [Registration.get_jwk(self.public_pem)]}


@functools.cache
def _load(configured: Path | None, data_dir: Path) -> ToolKey:
    signing_key = load_or_create_signing_key(
        configured, data_dir, "lti-tool-key.pem", "WC_LTI_PRIVATE_KEY_FILE"
    )
    private_pem = signing_key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return ToolKey(private_pem.decode(), signing_key.public_pem().decode())


def tool_key(settings: Settings) -> ToolKey:
    """The tool key of these settings, read (or generated) once per process."""
    return _load(settings.lti_private_key_file, settings.resolved_data_dir)
