"""Proof that an account's owner controls its e-mail address: a single-use, e-mailed link."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidToken
from platform_api.auth.models import EmailVerification, User
from platform_api.auth.tokens import hash_opaque_token, new_opaque_token
from platform_api.notifications.dispatcher import request_notification
from platform_api.notifications.kinds import EMAIL_VERIFICATION
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

VERIFICATION_TTL = timedelta(days=2)


def request_email_verification(session: AsyncSession, stores: Stores, user: User) -> None:
    """Queue the verification e-mail in the caller's transaction."""
    token = new_opaque_token()
    session.add(
        EmailVerification(
            user_id=user.id,
            email=user.email,
            token_hash=hash_opaque_token(token),
            expires_at=datetime.now(UTC) + VERIFICATION_TTL,
        )
    )
    link = f"{stores.settings.base_url}/verify-email?token={token}"
    request_notification(session, EMAIL_VERIFICATION.name, user.email, {"link": link}, user.id)


async def confirm_email(session: AsyncSession, token: str) -> User:
    """Mark the address verified; the link works once, and only for the address it was sent to."""
    verification = await session.scalar(
        select(EmailVerification)
        .where(EmailVerification.token_hash == hash_opaque_token(token))
        .with_for_update()
    )
    if (
        verification is None
        or verification.confirmed_at is not None
        or verification.expires_at < datetime.now(UTC)
    ):
        raise InvalidToken("This confirmation link is not valid or has expired.")
    user = await session.get_one(User, verification.user_id)
    if user.email != verification.email:
        raise InvalidToken("This link was sent to an address the account no longer uses.")
    verification.confirmed_at = datetime.now(UTC)
    user.email_verified = True
    await session.commit()
    logger.info("e-mail verified", extra={"user_id": str(user.id)})
    return user
