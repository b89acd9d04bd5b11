"""The cost of password hashing (``WC_PASSWORD_HASH_*``), read once per process."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PasswordHashing(BaseSettings):
    """Argon2id's parameters. The defaults are RFC 9106's second recommended option (3 passes
    over 64 MiB, 4 lanes): ~0.3 s per sign-in on one core of a small server. A stored hash made
    with other parameters is replaced at its owner's next sign-in."""

    model_config = SettingsConfigDict(
        env_prefix="WC_PASSWORD_HASH_", env_file=".env", extra="ignore"
    )

    time_cost: int = Field(3, ge=1, le=20, description="Passes over the memory.")
    memory_kib: int = Field(65_536, ge=1024, le=4_194_304, description="Memory per hash (KiB).")
    parallelism: int = Field(4, ge=1, le=64, description="Lanes (threads) per hash.")
