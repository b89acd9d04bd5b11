"""Personal data sealed at rest: column types that seal on the way into PostgreSQL and open on the
way out, and the keyed hash that lets an e-mail address be looked up without storing it readable.

A sealed column is ``bytea`` holding an ``AesGcmCipher`` value (key id per value: a value sealed
under a retired key still opens). Its associated data is the column's name (``"users.email"``):
the row id is not known where SQLAlchemy binds a value, so a ciphertext moved to another column
does not open, but one swapped between two rows of the same column does (only someone who can
already write the table can do that).

Which keys a value is sealed with is per engine: the wiring attaches the process's keys to its
engine (``attach_keys``) and installs them as the process default (``install_keys``) for engines
made without the wiring (the migrations, tools). Nothing is sealed before keys are installed.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement, operators
from sqlalchemy.types import TypeDecorator

from core.encryption import AesGcmCipher, decode_key, load_or_create_key

KEY_FILE = Path("keys") / "personal-data.key"
HASH_KEY_FILE = Path("keys") / "personal-data-hash.key"
_DIALECT_ATTRIBUTE = "wc_personal_data_keys"
_Value = TypeVar("_Value")


@dataclass(frozen=True)
class PersonalDataKeys:
    """The cipher of personal values and the key of the e-mail hash (kept apart: knowing the
    hash key lets one test guesses of an address, not read the sealed ones)."""

    cipher: AesGcmCipher
    hash_key: bytes

    def seal_text(self, value: str, context: str) -> bytes:
        return self.cipher.seal(value.encode(), context=context)

    def open_text(self, sealed: bytes, context: str) -> str:
        return self.cipher.open(bytes(sealed), context=context).decode()

    def address_digest(self, address: str) -> bytes:
        """HMAC-SHA256 of the normalised address: equal for the same mailbox however typed."""
        normalised = address.strip().lower().encode()
        return hmac.new(self.hash_key, normalised, hashlib.sha256).digest()


def load_keys(key: str, retired_keys: list[str], hash_key: str, data_dir: Path) -> PersonalDataKeys:
    """The configured keys, or the ones generated on first start in ``data_dir/keys``."""
    current = load_or_create_key(key, data_dir, KEY_FILE)
    hashing = load_or_create_key(hash_key, data_dir, HASH_KEY_FILE)
    return PersonalDataKeys(AesGcmCipher.from_texts(current, retired_keys), decode_key(hashing))


_installed: PersonalDataKeys | None = None


def install_keys(keys: PersonalDataKeys) -> None:
    """Make ``keys`` the process default (for engines the wiring did not attach keys to)."""
    global _installed
    _installed = keys


def installed_keys() -> PersonalDataKeys | None:
    return _installed


def attach_keys(engine: AsyncEngine, keys: PersonalDataKeys) -> None:
    """Seal and open through this engine with ``keys``: two apps in one process (tests, tools)
    each keep their own keys."""
    setattr(engine.sync_engine.dialect, _DIALECT_ATTRIBUTE, keys)


def _keys(dialect: Dialect) -> PersonalDataKeys:
    keys = getattr(dialect, _DIALECT_ATTRIBUTE, None) or _installed
    if keys is None:
        raise RuntimeError("personal-data keys are not installed (platform_api.wiring)")
    return keys


_ALLOWED_OPERATORS = {operators.is_, operators.is_not}


class _SealedComparator(TypeDecorator.Comparator[Any]):
    """Refuses SQL comparisons with a value: a sealed value never equals a fresh seal of the
    same text (random nonces), so ``==`` would silently match nothing. Look up e-mails through
    their hash."""

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        # Column against column stays allowed: SQLAlchemy compares columns internally.
        plain_values = not all(isinstance(value, ClauseElement) for value in other)
        if op not in _ALLOWED_OPERATORS and plain_values:
            raise TypeError(f"a sealed column cannot be compared in SQL ({op.__name__})")
        return super().operate(op, *other, **kwargs)


class NulInSealedText(ValueError):
    """A sealed text column refuses the NUL character as a PostgreSQL text column does, with the
    same SQLSTATE, so that the API answers it the same way (422) whichever column it hit."""

    sqlstate = "22021"


class _Sealed(TypeDecorator[_Value]):
    """A value stored sealed in ``bytea``, bound to ``context``, the column's name."""

    impl = LargeBinary
    comparator_factory = _SealedComparator

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context


class SealedText(_Sealed[str]):
    """A ``str`` stored sealed (``context``: ``"users.email"``)."""

    # Set on each concrete type: SQLAlchemy reads it from the class itself, not its bases, and
    # without it every statement on a sealed column is compiled anew (no statement cache).
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if "\x00" in value:
            raise NulInSealedText(f"{self.context} may not contain the NUL character")
        return _keys(dialect).seal_text(value, self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else _keys(dialect).open_text(value, self.context)


class SealedDate(_Sealed[date]):
    """A ``date`` stored sealed as its ISO text."""

    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return _keys(dialect).seal_text(value.isoformat(), self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> date | None:
        if value is None:
            return None
        return date.fromisoformat(_keys(dialect).open_text(value, self.context))


class AddressDigest(TypeDecorator[str]):
    """The keyed hash of an e-mail address: bind the address (``User.email_hash == address``,
    ``.in_(addresses)``), it is hashed on the way; reading gives the digest in hex. Set the
    address column, never this one: the model derives it."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else _keys(dialect).address_digest(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else bytes(value).hex()
