"""Platform users as accounts here: a user (``sub`` at an issuer) is linked to one account,
created on first sight or matched by a verified e-mail address."""

import hashlib
import logging

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AccountInactive, Conflict
from platform_api.auth.models import Role, User
from platform_api.lti.claims import Person
from platform_api.lti.models import LtiIdentity

logger = logging.getLogger(__name__)
# Where accounts of platform users who share no e-mail address get theirs: a reserved domain
# (RFC 2606), so no mail is ever sent to it.
NO_EMAIL_DOMAIN = "lti.invalid"


def _email_of(issuer: str, person: Person) -> tuple[str, bool]:
    """The person's e-mail address and whether the platform gave it (else a placeholder)."""
    if person.email:
        try:
            return TypeAdapter(EmailStr).validate_python(person.email.strip()).lower(), True
        except ValidationError:
            logger.info("lti e-mail claim ignored: not an address", extra={"issuer": issuer})
    digest = hashlib.sha256(f"{issuer}\n{person.subject}".encode()).hexdigest()[:32]
    return f"{digest}@{NO_EMAIL_DOMAIN}", False


async def linked_account(session: AsyncSession, issuer: str, subject: str) -> User | None:
    return await session.scalar(
        select(User)
        .join(LtiIdentity, LtiIdentity.user_id == User.id)
        .where(LtiIdentity.issuer == issuer, LtiIdentity.subject == subject)
    )


async def account_for(session: AsyncSession, issuer: str, person: Person, role: Role) -> User:
    """The account linked to the person; else the verified account with their e-mail, linked;
    else a new account with ``role``. The platform an admin registered vouches for its users'
    addresses, as an OpenID provider does."""
    user = await linked_account(session, issuer, person.subject)
    if user is not None:
        if not user.is_active:
            raise AccountInactive("This account is inactive.")
        return user
    email, given = _email_of(issuer, person)
    user = await session.scalar(select(User).where(User.email_hash == email))
    if user is None:
        user = User(
            email=email,
            password_hash=None,
            display_name=(person.name or email.split("@")[0])[:120],
            role=role,
            is_active=True,
            email_verified=given,
            preferences={},
        )
        session.add(user)
        await session.flush()
        logger.info("account created by lti", extra={"user_id": str(user.id), "issuer": issuer})
    elif not user.is_active:
        raise AccountInactive("This account is inactive.")
    elif not user.email_verified:
        # Whoever registered the address without proving it must not inherit the launch.
        raise Conflict(
            "An account with this e-mail address exists but has not verified it: sign in "
            "and verify the e-mail, then open the tool from the LMS again.",
            {"reason": "email_unverified_account"},
        )
    session.add(LtiIdentity(issuer=issuer, subject=person.subject, user_id=user.id))
    await session.flush()
    return user
