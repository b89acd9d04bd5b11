"""Request and response models of the users domain."""

import uuid
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
)

from platform_api.auth.models import Role
from platform_api.proctor.privacy.schemas import ProctoringRecords

LOCALE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


@cache
def iana_time_zones() -> frozenset[str]:
    """The zone names this machine's tz database knows (read once: it walks the files)."""
    return frozenset(available_timezones())


def _known_time_zone(value: str) -> str:
    if value not in iana_time_zones():
        raise ValueError("time_zone must be an IANA time zone name, e.g. Europe/Berlin")
    return value


# The OpenAPI lists the names, so a client (and the fuzzer) knows exactly what is accepted.
TimeZoneName = Annotated[
    str,
    AfterValidator(_known_time_zone),
    WithJsonSchema({"type": "string", "enum": sorted(iana_time_zones())}),
]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    is_active: bool
    email_verified: bool
    locale: str
    preferences: dict[str, Any]
    birth_date: date | None
    time_zone: str
    leaderboard_opt_out: bool
    has_avatar: bool = False
    created_at: datetime

    @classmethod
    def of(cls, user: Any) -> "UserOut":
        out = cls.model_validate(user)
        out.has_avatar = user.avatar_key is not None
        return out


class ProfileUpdate(BaseModel):
    """Fields left out or null stay as they are."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, min_length=1, max_length=120)
    locale: str | None = Field(None, pattern=LOCALE_PATTERN, max_length=35)
    preferences: dict[str, Any] | None = None
    time_zone: TimeZoneName | None = Field(
        None, description="IANA zone (e.g. Europe/Berlin): where your days begin."
    )
    leaderboard_opt_out: StrictBool | None = Field(None, description="Leave class leaderboards.")

    @field_validator("preferences")
    @classmethod
    def _small_preferences(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(str(value)) > 8_000:
            raise ValueError("preferences must stay under 8 kB")
        return value


class UserExport(BaseModel):
    """Everything stored about one user (GDPR Art. 15/20)."""

    user: UserOut
    oidc_identities: list[dict[str, Any]]
    parent_links: list[dict[str, Any]]
    classes_taught: list[dict[str, Any]]
    enrollments: list[dict[str, Any]]
    authored_lesson_versions: list[dict[str, Any]]
    refresh_tokens: list[dict[str, Any]]
    avatar_content_type: str | None
    learning_statements: list[dict[str, Any]] = Field(
        default_factory=list, description="Your xAPI learning statements, newest first."
    )
    proctoring: ProctoringRecords = Field(
        description="Proctored exams: your enrolment photo's metadata, consents, exemptions, "
        "sessions with their timelines, and who viewed your biometric data."
    )
