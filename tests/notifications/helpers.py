"""Telling an account something the way the platform does, and reading what was held."""

import asyncio
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from platform_api.auth.models import User
from platform_api.notifications.models import HeldDelivery
from platform_api.notifications.service import notify
from tests.fixtures.app import Account, Api

DUE_SOON = "assignment.due_soon"
GRADED = "assessment_graded"


async def tell(
    api: Api, account: Account, title: str, kind: str = DUE_SOON, **payload: Any
) -> None:
    """Notify the account in a committed transaction, as a domain service does."""
    async with api.stores.database.session() as session:
        recipient = await session.get_one(User, account.id)
        await notify(session, recipient, kind, title, f"About {title}.", payload)
        await session.commit()


async def held(api: Api, user_id: uuid.UUID) -> int:
    async with api.stores.database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(HeldDelivery).filter_by(recipient_id=user_id)
        )
    return count or 0


async def wait_until_held(api: Api, user_id: uuid.UUID, count: int, timeout: float = 10) -> None:
    """Until the dispatcher has held ``count`` messages of the user (its transaction committed)."""
    deadline = time.monotonic() + timeout
    while await held(api, user_id) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{await held(api, user_id)} of {count} messages held")
        await asyncio.sleep(0.02)


async def set_preferences(api: Api, account: Account, **changes: Any) -> dict[str, Any]:
    body = {"time_zone": "UTC", **changes}
    response = await api.client.put(
        "/api/v1/notifications/preferences", headers=account.headers, json=body
    )
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()
    return saved
