"""Argon2id password hashing, off the event loop (each hash costs tens of milliseconds or more:
``PasswordHashing``)."""

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from platform_api.auth.settings import PasswordHashing


@cache
def _hasher() -> PasswordHasher:
    cost = PasswordHashing()
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so that timing does not reveal which
    e-mails exist."""
    return _hasher().hash("water-classroom-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        verified = _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return verified and password_hash is not None


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the configured ones."""
    return _hasher().check_needs_rehash(password_hash)
