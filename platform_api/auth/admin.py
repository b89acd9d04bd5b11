"""Operator actions on accounts (used by ``wc users``)."""

import uuid

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.cache import Cache
from platform_api.audit.service import Actor, AuditAction, record
from platform_api.auth.account_state import close_account
from platform_api.auth.models import Role, User
from platform_api.auth.passwords import hash_password

MIN_PASSWORD_LENGTH = 10


async def create_or_promote_admin(
    session: AsyncSession, email: str, display_name: str, password: str
) -> uuid.UUID:
    try:
        email = TypeAdapter(EmailStr).validate_python(email).lower()
    except ValidationError as error:
        raise ValueError(f"Not an e-mail address: {email}") from error
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user = await session.scalar(select(User).where(User.email_hash == email))
    previous = None if user is None else user.role.value
    if user is None:
        user = User(email=email, display_name=display_name, role=Role.ADMIN, preferences={})
        session.add(user)
    user.role, user.is_active = Role.ADMIN, True
    user.password_hash = await hash_password(password)
    await session.flush()  # gives a new account its id
    record(
        session,
        Actor.operator(),
        AuditAction.ADMIN_CREATED,
        ("account", user.id),
        {"from": previous, "to": Role.ADMIN.value},
    )
    await session.commit()
    return user.id


async def set_role(session: AsyncSession, email: str, role: Role) -> uuid.UUID:
    """Give an existing account a role (e.g. ``content_editor``, which nobody can self-assign)."""
    user = await session.scalar(select(User).where(User.email_hash == email.strip().lower()))
    if user is None:
        raise ValueError(f"No account with the e-mail {email}")
    record(
        session,
        Actor.operator(),
        AuditAction.ROLE_CHANGED,
        ("account", user.id),
        {"from": user.role.value, "to": role.value},
    )
    user.role = role
    await session.commit()
    return user.id


async def deactivate_account(session: AsyncSession, cache: Cache, email: str) -> uuid.UUID:
    """Refuse the account's sign-ins and tokens from now on (its data stays; erasure is
    ``DELETE /api/v1/users/me``)."""
    user = await session.scalar(select(User).where(User.email_hash == email.strip().lower()))
    if user is None:
        raise ValueError(f"No account with the e-mail {email}")
    user.is_active = False
    record(session, Actor.operator(), AuditAction.ACCOUNT_DEACTIVATED, ("account", user.id))
    await session.commit()
    await close_account(cache, user.id)
    return user.id
