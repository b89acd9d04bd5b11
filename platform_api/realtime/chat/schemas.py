"""Request and response models of class chat."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_CHAT_CHARS = 2000

ChatText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CHAT_CHARS)
]


class ChatMessagePost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ChatText = Field(description=f"The message (1 to {MAX_CHAT_CHARS:,} characters).")


class ChatMessageOut(BaseModel):
    id: uuid.UUID
    class_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    text: str
    created_at: datetime
    event_id: str = Field(description="The id the message was pushed with on the class channel.")


class ChatMessagePage(BaseModel):
    items: list[ChatMessageOut] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int
