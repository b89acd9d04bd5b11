"""Request and response models of webhooks (``/api/v1/webhooks``)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl

from platform_api.webhooks.catalogue import SUBSCRIBABLE, Scope
from platform_api.webhooks.models import DeliveryStatus

MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def _subscribable(name: str) -> str:
    if name not in SUBSCRIBABLE:
        raise ValueError(f"unknown event type; one of {', '.join(SUBSCRIBABLE)}")
    return name


def _not_a_boolean(value: object) -> object:
    """JSON's true/false are not numbers, though Python's bool is an int."""
    if isinstance(value, bool):
        raise ValueError("a number of seconds, not a boolean")
    return value


EventTypeName = Annotated[
    str,
    Field(max_length=120, json_schema_extra={"enum": SUBSCRIBABLE}),
    AfterValidator(_subscribable),
]
EventTypes = Annotated[list[EventTypeName], Field(min_length=1, max_length=len(SUBSCRIBABLE))]
WebhookUrl = Annotated[HttpUrl, Field(max_length=2000, description="Where events are POSTed.")]
Description = Annotated[str, Field(max_length=300)]


class SubscriptionCreate(BaseModel):
    url: WebhookUrl
    event_types: EventTypes
    description: Description = ""


class SubscriptionUpdate(BaseModel):
    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = Field(
        None, strict=True, description="true re-enables a disabled subscription."
    )


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    platform_wide: bool = Field(description="An admin's: hears every course.")
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signs deliveries; shown this once.")


class SecretRotation(BaseModel):
    overlap_seconds: Annotated[int, BeforeValidator(_not_a_boolean)] = Field(
        24 * 3600,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="How long the previous secret keeps signing beside the new one.",
    )


class RotatedSecret(BaseModel):
    secret: str = Field(description="The new secret; shown this once.")
    previous_secret_expires_at: datetime | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    occurred_at: datetime
    status: DeliveryStatus
    attempts: int
    attempts_left: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_attempt: AttemptOut | None = None


class DeliveryDetail(DeliveryOut):
    data: dict[str, Any]
    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


class EventTypeOut(BaseModel):
    name: str
    description: str
    scope: Scope = Field(
        description="course: schools' and admins' subscriptions; platform: admins'."
    )
    payload_schema: dict[str, Any] = Field(description="JSON schema of the delivery's `data`.")
