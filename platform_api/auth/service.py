"""Identity behaviour: registration, parental consent, login, token rotation, external sign-in."""

import logging
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import (
    AccountInactive,
    Conflict,
    InvalidCredentials,
    InvalidToken,
    ValidationFailed,
)
from platform_api.auth.email_verification import request_email_verification
from platform_api.auth.models import ParentalConsent, ParentLink, RefreshToken, Role, User
from platform_api.auth.passwords import hash_password, needs_rehash, verify_password
from platform_api.auth.schemas import RegisterRequest, TokenPair
from platform_api.auth.tokens import hash_opaque_token, issue_access_token, new_opaque_token
from platform_api.notifications.dispatcher import request_notification
from platform_api.notifications.kinds import PARENTAL_CONSENT
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

CONSENT_TTL = timedelta(days=7)


def age_on(birth_date: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def is_under_age(birth_date: date | None, minimum_age: int) -> bool:
    """Whether someone born on ``birth_date`` is younger than ``minimum_age`` today (UTC).

    An unknown birth date (adults' accounts need none) counts as not under age.
    """
    return birth_date is not None and age_on(birth_date, datetime.now(UTC).date()) < minimum_age


def _needs_parental_consent(request: RegisterRequest, minimum_age: int) -> bool:
    if request.role != Role.STUDENT.value:
        return False
    if request.birth_date is None:
        raise ValidationFailed("Students give a birth date.", {"field": "birth_date"})
    if request.birth_date > datetime.now(UTC).date():
        raise ValidationFailed("The birth date is in the future.", {"field": "birth_date"})
    return is_under_age(request.birth_date, minimum_age)


async def register(session: AsyncSession, stores: Stores, request: RegisterRequest) -> User:
    """Create an account; an under-age student stays inactive until a parent confirms."""
    email = request.email.lower()
    if await session.scalar(select(User.id).where(User.email_hash == email)):
        raise Conflict("An account with this e-mail already exists.", {"field": "email"})
    needs_consent = _needs_parental_consent(request, stores.settings.coppa_minimum_age)
    if needs_consent and not request.parent_email:
        raise ValidationFailed(
            "Under-13 students give a parent's e-mail.", {"field": "parent_email"}
        )
    if needs_consent and request.parent_email and request.parent_email.lower() == email:
        raise ValidationFailed("The parent's e-mail must differ.", {"field": "parent_email"})
    user = User(
        email=email,
        password_hash=await hash_password(request.password),
        display_name=request.display_name,
        role=Role(request.role),
        birth_date=request.birth_date,
        parent_email=request.parent_email.lower() if request.parent_email else None,
        is_active=not needs_consent,
        preferences={},
    )
    session.add(user)
    await session.flush()
    if needs_consent:
        # Nothing is sent to the child's own address before a parent has consented.
        _request_parental_consent(session, stores, user)
    else:
        request_email_verification(session, stores, user)
    if user.role is Role.PARENT:
        await _link_confirmed_children(session, user)
    await session.commit()
    logger.info(
        "account registered",
        extra={"user_id": str(user.id), "role": user.role.value, "consent_pending": needs_consent},
    )
    return user


def _request_parental_consent(session: AsyncSession, stores: Stores, child: User) -> None:
    assert child.parent_email is not None
    token = new_opaque_token()
    session.add(
        ParentalConsent(
            child_id=child.id,
            parent_email=child.parent_email,
            token_hash=hash_opaque_token(token),
            expires_at=datetime.now(UTC) + CONSENT_TTL,
        )
    )
    link = f"{stores.settings.base_url}/parental-consent?token={token}"
    request_notification(
        session,
        PARENTAL_CONSENT.name,
        child.parent_email,
        {"child_name": child.display_name, "link": link},
    )


async def _link_confirmed_children(session: AsyncSession, parent: User) -> None:
    children = await session.scalars(
        select(User.id).where(User.parent_email_hash == parent.email, User.is_active.is_(True))
    )
    for child_id in children:
        session.add(ParentLink(parent_id=parent.id, child_id=child_id))


async def confirm_parental_consent(session: AsyncSession, token: str) -> User:
    consent = await session.scalar(
        select(ParentalConsent)
        .where(ParentalConsent.token_hash == hash_opaque_token(token))
        .with_for_update()
    )
    if consent is None or consent.expires_at < datetime.now(UTC):
        raise InvalidToken("This confirmation link is not valid or has expired.")
    child = await session.get_one(User, consent.child_id)
    if consent.confirmed_at is None:
        consent.confirmed_at = datetime.now(UTC)
        child.is_active = True
        parent = await session.scalar(
            select(User).where(User.email_hash == consent.parent_email, User.role == Role.PARENT)
        )
        if parent is not None:
            await session.merge(ParentLink(parent_id=parent.id, child_id=child.id))
        await session.commit()
        logger.info("parental consent confirmed", extra={"user_id": str(child.id)})
    return child


async def issue_token_pair(
    session: AsyncSession, stores: Stores, user: User, family_id: uuid.UUID | None = None
) -> TokenPair:
    """A new access token and a refresh token in ``family_id`` (a new family at login)."""
    settings = stores.settings
    refresh_token = new_opaque_token()
    session.add(
        RefreshToken(
            family_id=family_id or uuid.uuid4(),
            user_id=user.id,
            token_hash=hash_opaque_token(refresh_token),
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    await session.commit()
    access = issue_access_token(
        stores.signing_key,
        settings.jwt_issuer,
        user.id,
        user.role,
        settings.access_token_ttl_seconds,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
    )


async def login(session: AsyncSession, stores: Stores, email: str, password: str) -> TokenPair:
    user = await session.scalar(select(User).where(User.email_hash == email.lower()))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials("E-mail or password is wrong.")
    if not user.is_active:
        raise AccountInactive("This account waits for a parent's confirmation.")
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)  # committed with the tokens
    return await issue_token_pair(session, stores, user)


async def rotate_refresh_token(session: AsyncSession, stores: Stores, token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; presenting a used token revokes its family."""
    now = datetime.now(UTC)
    stored = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_opaque_token(token))
        .with_for_update()
    )
    if stored is None or stored.revoked_at is not None or stored.expires_at < now:
        raise InvalidToken("The refresh token is not valid.")
    if stored.used_at is not None:
        await _revoke_family(session, stored.family_id, now)
        await session.commit()
        logger.warning(
            "refresh token reuse: family revoked",
            extra={"user_id": str(stored.user_id), "family_id": str(stored.family_id)},
        )
        raise InvalidToken(
            "The refresh token was already used; every session of it is revoked.",
            {"reason": "reuse_detected"},
        )
    user = await session.get_one(User, stored.user_id)
    if not user.is_active:
        raise AccountInactive("This account is inactive.")
    stored.used_at = now
    return await issue_token_pair(session, stores, user, stored.family_id)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def logout(session: AsyncSession, token: str) -> None:
    """Revoke the refresh token's whole family (that sign-in on every device it was rotated to)."""
    stored = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_opaque_token(token))
    )
    if stored is None:
        raise InvalidToken("The refresh token is not valid.")
    await _revoke_family(session, stored.family_id, datetime.now(UTC))
    await session.commit()
