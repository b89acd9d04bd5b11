"""Signed unsubscribe links: who, and which kinds' e-mail to stop, without signing in.

The token is an RS256 JWT signed with the platform's key, typed ``unsubscribe`` so that no other
token (an access token) is accepted in its place, and without expiry: a link in an old e-mail
keeps working. It can only turn e-mail off, so a leaked link does no more than that.
"""

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidToken, NotFound
from platform_api.auth.keys import SigningKey
from platform_api.auth.models import User
from platform_api.notifications.kinds import kind_of
from platform_api.notifications.preferences import turn_off_email

TOKEN_TYPE = "unsubscribe"
UNSUBSCRIBE_PATH = "/api/v1/notifications/unsubscribe"


@dataclass(frozen=True)
class UnsubscribeLinks:
    key: SigningKey
    issuer: str
    base_url: str

    def token(self, user_id: uuid.UUID, kinds: list[str]) -> str:
        claims = {"iss": self.issuer, "sub": str(user_id), "typ": TOKEN_TYPE, "kinds": kinds}
        return jwt.encode(claims, self.key.private_key, algorithm="RS256")

    def url(self, user_id: uuid.UUID, kinds: list[str]) -> str:
        query = urlencode({"token": self.token(user_id, kinds)})
        return f"{self.base_url.rstrip('/')}{UNSUBSCRIBE_PATH}?{query}"

    def read(self, token: str) -> tuple[uuid.UUID, list[str]]:
        """The user and kinds a token names; ``InvalidToken`` for anything else."""
        try:
            claims = jwt.decode(
                token,
                self.key.public_key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"require": ["sub", "iss"]},
            )
            kinds = claims.get("kinds")
            if claims.get("typ") != TOKEN_TYPE or not isinstance(kinds, list):
                raise InvalidToken("Not an unsubscribe link.")
            return uuid.UUID(claims["sub"]), [str(kind) for kind in kinds]
        except (jwt.InvalidTokenError, ValueError) as error:
            raise InvalidToken("This unsubscribe link is not valid.") from error


async def kinds_of_link(
    session: AsyncSession, links: UnsubscribeLinks, token: str
) -> tuple[uuid.UUID, list[str]]:
    """The account and the kinds a valid link stops (the account must still exist)."""
    user_id, kinds = links.read(token)
    if await session.get(User, user_id) is None:
        raise NotFound("This account no longer exists.")
    return user_id, sorted({kind_of(kind).name for kind in kinds})


async def unsubscribe(session: AsyncSession, links: UnsubscribeLinks, token: str) -> list[str]:
    """Turn off e-mail of the link's kinds; return them."""
    user_id, kinds = await kinds_of_link(session, links, token)
    await turn_off_email(session, user_id, kinds)
    await session.commit()
    return kinds
