"""Response shapes of the audit log."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_text(value: object) -> object:
    # Pydantic reads a bare number as Unix seconds; the documented format is ISO 8601 text.
    if isinstance(value, str) and not _ISO_INSTANT.match(value):
        raise ValueError("an ISO 8601 date-time with a time zone, e.g. 2026-12-01T08:00:00Z")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None = Field(description="The acting account; null for the operator.")
    actor_role: str | None
    action: str = Field(description="What was done, e.g. account.role_changed.")
    target_type: str = Field(description="What it was done to: account, response, sitting, ...")
    target_id: str
    details: dict[str, Any]


class AuditEventPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int
