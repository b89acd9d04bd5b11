"""Each person's notification settings: channels per kind, quiet hours, digest, time zone.

A kind without a row has every channel on; a person without a settings row has no quiet hours
and no digest. Writes validate everything first and commit once, so nothing is half-stored.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import utcnow
from platform_api.auth.models import User
from platform_api.notifications.kinds import configurable_kinds, kind_of
from platform_api.notifications.models import ChannelPreference, NotificationSettings
from platform_api.notifications.schedule import Digest, Schedule
from platform_api.notifications.schemas import (
    Channels,
    KindOut,
    PreferencesIn,
    PreferencesOut,
    QuietHours,
)
from platform_api.progress.streaks import zone_of

ALL_ON = Channels(in_app=True, email=True, push=True)


async def channels_for(session: AsyncSession, user_id: uuid.UUID, kind: str) -> Channels:
    """The channels the person wants for the kind (an unlisted kind counts as "Other")."""
    row = await session.get(ChannelPreference, (user_id, kind_of(kind).name))
    if row is None:
        return ALL_ON
    return Channels(in_app=row.in_app, email=row.email, push=row.push)


async def schedule_for(session: AsyncSession, user: User) -> Schedule:
    settings = await session.get(NotificationSettings, user.id)
    zone = zone_of(user.time_zone)
    if settings is None:
        return Schedule(zone)
    return Schedule(
        zone,
        settings.quiet_start,
        settings.quiet_end,
        Digest(settings.digest),
        settings.digest_time,
    )


async def read_preferences(session: AsyncSession, user: User) -> PreferencesOut:
    schedule = await schedule_for(session, user)
    rows = await session.scalars(select(ChannelPreference).filter_by(user_id=user.id))
    chosen = {row.kind: Channels(in_app=row.in_app, email=row.email, push=row.push) for row in rows}
    kinds = configurable_kinds()
    quiet = (
        QuietHours(start=schedule.quiet_start, end=schedule.quiet_end)
        if schedule.quiet_start is not None and schedule.quiet_end is not None
        else None
    )
    return PreferencesOut(
        time_zone=user.time_zone,
        quiet_hours=quiet,
        digest=schedule.digest,
        digest_time=schedule.digest_time,
        channels={kind.name: chosen.get(kind.name, ALL_ON) for kind in kinds},
        kinds=[KindOut(kind=kind.name, label=kind.label) for kind in kinds],
    )


async def write_preferences(
    session: AsyncSession, user: User, preferences: PreferencesIn
) -> PreferencesOut:
    user.time_zone = preferences.time_zone
    quiet = preferences.quiet_hours
    values = {
        "quiet_start": quiet.start if quiet else None,
        "quiet_end": quiet.end if quiet else None,
        "digest": preferences.digest.value,
        "digest_time": preferences.digest_time,
        "updated_at": utcnow(),
    }
    await session.execute(
        insert(NotificationSettings)
        .values(user_id=user.id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
    for kind, channels in preferences.channels.items():
        await _choose(session, user.id, kind, channels)
    await session.commit()
    return await read_preferences(session, user)


async def _choose(session: AsyncSession, user_id: uuid.UUID, kind: str, channels: Channels) -> None:
    values = channels.model_dump()
    await session.execute(
        insert(ChannelPreference)
        .values(user_id=user_id, kind=kind, **values)
        .on_conflict_do_update(index_elements=["user_id", "kind"], set_=values)
    )


async def turn_off_email(session: AsyncSession, user_id: uuid.UUID, kinds: Iterable[str]) -> None:
    """Stop e-mail of these kinds, keeping the other channels as they were (no commit)."""
    for kind in kinds:
        current = await channels_for(session, user_id, kind)
        await _choose(
            session, user_id, kind_of(kind).name, current.model_copy(update={"email": False})
        )
