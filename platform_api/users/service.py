"""Profile, avatar, GDPR export and erasure."""

import logging
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import LessonVersion
from core.errors import Forbidden, NotFound
from core.infra.outbox import add_event
from platform_api.auth.account_state import close_account
from platform_api.auth.models import OidcIdentity, ParentLink, RefreshToken, Role, User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import Enrollment, SchoolClass
from platform_api.proctor.privacy.erasure import delete_biometric_objects, learner_biometrics
from platform_api.proctor.privacy.export import proctoring_records
from platform_api.progress.statements import all_learner_statements
from platform_api.users.avatars import avatar_key, avatar_prefix, validate_avatar
from platform_api.users.schemas import ProfileUpdate, UserExport, UserOut
from platform_api.wiring import Stores

logger = logging.getLogger(__name__)

USER_ERASED = "user.erased"


async def update_profile(session: AsyncSession, user: User, body: ProfileUpdate) -> User:
    # A field left out or sent as null stays as it is: every column here holds a value.
    for field, value in body.model_dump(exclude_none=True).items():
        setattr(user, field, value)
    await session.commit()
    return user


async def set_avatar(session: AsyncSession, stores: Stores, user: User, data: bytes) -> User:
    content_type = validate_avatar(data, stores.settings.max_avatar_bytes)
    previous, key = user.avatar_key, avatar_key(user.id)
    await stores.objects.put(key, data, content_type)
    user.avatar_key = key
    await session.commit()
    if previous:
        await stores.objects.delete(previous)
    return user


async def readable_user(session: AsyncSession, actor: AccessClaims, user_id: uuid.UUID) -> User:
    """Yourself; an admin anyone; a parent their linked children; a teacher their students."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if actor.user_id == user_id or actor.role is Role.ADMIN:
        return user
    if actor.role is Role.PARENT:
        link = await session.get(ParentLink, (actor.user_id, user_id))
        if link is not None:
            return user
    if actor.role is Role.TEACHER and await session.scalar(
        select(Enrollment.student_id)
        .join(SchoolClass)
        .where(Enrollment.student_id == user_id, SchoolClass.teacher_id == actor.user_id)
        .limit(1)
    ):
        return user
    raise Forbidden("You may not see this user.")


async def linked_children(session: AsyncSession, parent: User) -> list[User]:
    query = select(User).join(ParentLink, ParentLink.child_id == User.id)
    return list(await session.scalars(query.where(ParentLink.parent_id == parent.id)))


def _rows(items: Any, *fields: str) -> list[dict[str, Any]]:
    return [{field: getattr(item, field) for field in fields} for item in items]


async def export_user(session: AsyncSession, stores: Stores, user: User) -> UserExport:
    """Everything stored about the user, as JSON (GDPR access and portability)."""

    async def scalars(query: Any) -> list[Any]:
        return list(await session.scalars(query))

    avatar = await stores.objects.get(user.avatar_key) if user.avatar_key else None
    return UserExport(
        user=UserOut.of(user),
        oidc_identities=_rows(
            await scalars(select(OidcIdentity).where(OidcIdentity.user_id == user.id)),
            "provider",
            "subject",
            "created_at",
        ),
        parent_links=_rows(
            await scalars(
                select(ParentLink).where(
                    or_(ParentLink.parent_id == user.id, ParentLink.child_id == user.id)
                )
            ),
            "parent_id",
            "child_id",
            "created_at",
        ),
        classes_taught=_rows(
            await scalars(select(SchoolClass).where(SchoolClass.teacher_id == user.id)),
            "id",
            "name",
            "created_at",
        ),
        enrollments=_rows(
            await scalars(select(Enrollment).where(Enrollment.student_id == user.id)),
            "class_id",
            "enrolled_at",
        ),
        authored_lesson_versions=_rows(
            await scalars(select(LessonVersion).where(LessonVersion.author_id == user.id)),
            "lesson_id",
            "version",
            "title",
            "created_at",
        ),
        refresh_tokens=_rows(
            await scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)),
            "issued_at",
            "expires_at",
            "used_at",
            "revoked_at",
        ),
        avatar_content_type=avatar.content_type if avatar else None,
        learning_statements=await all_learner_statements(stores.analytics, user.id),
        proctoring=await proctoring_records(session, user.id),
    )


async def erase_user(session: AsyncSession, stores: Stores, user: User) -> None:
    """Erase the account from every store (GDPR Art. 17).

    Rows owned by the user go with it (foreign keys cascade); content they authored stays with
    its author set to null. A ``user.erased`` event tells other services (analytics) to follow.
    """
    user_id = user.id
    biometrics = await learner_biometrics(session, user_id)
    await session.delete(user)
    # The event names the biometric objects: its consumer deletes them again if this process
    # dies before it does (platform_api/proctor/privacy/erasure.py).
    payload = {"user_id": str(user_id), "biometrics": biometrics.model_dump(mode="json")}
    add_event(session, USER_ERASED, payload)
    await session.commit()
    await close_account(stores.cache, user_id)
    deleted_objects = await stores.objects.delete_prefix(avatar_prefix(user_id))
    deleted_objects += await delete_biometric_objects(stores.objects, biometrics)
    await stores.cache.delete(f"rl:api:user:{user_id}")
    logger.info("user erased", extra={"user_id": str(user_id), "objects": deleted_objects})
