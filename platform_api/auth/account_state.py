"""Whether an account may still use the access tokens it holds: asked on every signed-in request.

An access token stays valid until it expires (15 minutes by default), but the tokens of an
erased or deactivated account must stop working at once. The account's state is kept in the
cache: one cache read per request, the database only on a miss (at most once per
``STATE_TTL_SECONDS`` per account and process). Closing an account writes ``closed`` over the
cached state after its commit, so the next request of any process sharing the cache is refused.
With the in-process cache, a change made by another process (``wc users deactivate`` beside
``wc run``) is seen within ``STATE_TTL_SECONDS``.
"""

import uuid

from sqlalchemy import select

from core.errors import InvalidToken
from core.infra.cache import Cache
from core.infra.database import Database
from platform_api.auth.models import User

ACTIVE, CLOSED = b"active", b"closed"
STATE_TTL_SECONDS = 30.0


def _key(user_id: uuid.UUID) -> str:
    return f"account:state:{user_id}"


def account_closed() -> InvalidToken:
    return InvalidToken(
        "This account was erased or deactivated; its tokens no longer work.",
        {"reason": "account_closed"},
        {"WWW-Authenticate": "Bearer"},
    )


async def _stored_state(database: Database, user_id: uuid.UUID) -> bytes:
    async with database.session() as session:
        is_active = await session.scalar(select(User.is_active).where(User.id == user_id))
    return ACTIVE if is_active else CLOSED


async def ensure_account_open(cache: Cache, database: Database, user_id: uuid.UUID) -> None:
    """Raise 401 ``invalid_token`` unless the account exists and is active."""
    state = await cache.get(_key(user_id))
    if state is None:
        state = await _stored_state(database, user_id)
        # ``add``, never ``set``: a closing written since the read above must win over it.
        if not await cache.add(_key(user_id), state, STATE_TTL_SECONDS):
            state = await cache.get(_key(user_id)) or state
    if state != ACTIVE:
        raise account_closed()


async def close_account(cache: Cache, user_id: uuid.UUID) -> None:
    """After committing an erasure or deactivation: refuse the account's tokens from now on."""
    await cache.set(_key(user_id), CLOSED, STATE_TTL_SECONDS)


async def forget_account_state(cache: Cache, user_id: uuid.UUID) -> None:
    """After committing an activation: the next request reads the account's state again."""
    await cache.delete(_key(user_id))
