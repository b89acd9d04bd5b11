"""Request and response models of the notifications domain."""

import re
import uuid
from datetime import datetime, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from platform_api.notifications.kinds import KINDS, configurable_kinds
from platform_api.notifications.schedule import Digest
from platform_api.users.schemas import LOCALE_PATTERN, TimeZoneName


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    title: str
    body: str
    payload: dict[str, Any]
    subject_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    limit: int
    offset: int


def _configurable(name: str) -> str:
    if name not in {kind.name for kind in configurable_kinds()}:
        raise ValueError("not a kind of notification you can choose channels for")
    return name


ConfigurableKind = Annotated[
    str,
    AfterValidator(_configurable),
    WithJsonSchema({"type": "string", "enum": [kind.name for kind in configurable_kinds()]}),
]


def _known(name: str) -> str:
    if name not in KINDS:
        raise ValueError("not a kind of notification")
    return name


KnownKind = Annotated[
    str,
    Field(max_length=120),
    AfterValidator(_known),
    WithJsonSchema({"type": "string", "enum": sorted(KINDS)}),
]
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=LOCALE_PATTERN)]


LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local(value: object) -> object:
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME_PATTERN, value):
        raise ValueError("a local time is a string HH:MM or HH:MM:SS, read in your time zone")
    return value


# "22:00": no UTC offset (it is read in the person's time zone), nothing longer.
LocalTime = Annotated[
    time,
    BeforeValidator(_local),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN, "maxLength": 8}),
]


class Channels(BaseModel):
    """Where notifications of one kind reach the person."""

    model_config = ConfigDict(extra="forbid")

    in_app: StrictBool
    email: StrictBool
    push: StrictBool


class QuietHours(BaseModel):
    """Local times between which e-mail and push wait (may cross midnight: 22:00–07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")
        return self


class PreferencesIn(BaseModel):
    """A person's notification settings; kinds left out of ``channels`` keep their choice."""

    model_config = ConfigDict(extra="forbid")

    time_zone: TimeZoneName
    quiet_hours: QuietHours | None = None
    digest: Digest = Digest.OFF
    digest_time: LocalTime = Field(time(8, 0), description="Local time the digest goes out.")
    channels: dict[ConfigurableKind, Channels] = Field(default_factory=dict, max_length=50)


class KindOut(BaseModel):
    kind: str
    label: str


class PreferencesOut(PreferencesIn):
    channels: dict[str, Channels]
    kinds: list[KindOut] = Field(description="The kinds one can choose channels for.")


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1, max_length=20_000, description="The plain-text part.")
    html: str | None = Field(None, max_length=50_000, description="An optional HTML part.")


class TemplateOut(TemplateIn):
    kind: str
    locale: str
    overridden: bool = Field(description="An admin's template; false: the shipped default.")
    variables: list[str] = Field(description="The variables templates of this kind may use.")


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(min_length=80, max_length=100, pattern=r"^[A-Za-z0-9_-]+=*$")
    auth: str = Field(min_length=16, max_length=30, pattern=r"^[A-Za-z0-9_-]+=*$")


class PushSubscriptionIn(BaseModel):
    """A browser's ``PushSubscription.toJSON()`` (``expirationTime`` is ignored)."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=10, max_length=2048, pattern=r"^https?://[^\s]+$")
    keys: PushKeys


class PushPublicKey(BaseModel):
    public_key: str = Field(description="The VAPID application server key (base64url).")


class UnsubscribeOut(BaseModel):
    status: str
    kinds: list[str]
