"""The frames clients send on ``/api/v1/ws``, validated at the door (hub.py has the protocol)."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from platform_api.realtime.chat.schemas import ChatText
from platform_api.realtime.event_ids import EventIdText
from platform_api.tutor.schemas import MessageText

RequestId = Annotated[str, Field(min_length=1, max_length=64)]
# "class:<uuid>" or "user:<uuid>"; who may follow which is checked on subscribe.
ChannelName = Annotated[str, Field(pattern=r"^(class|user):[0-9a-fA-F-]{36}$", max_length=48)]


class Auth(BaseModel):
    type: Literal["auth"]
    token: str


class TutorSend(BaseModel):
    type: Literal["tutor.send"]
    request_id: RequestId
    session_id: uuid.UUID
    content: MessageText


class TutorCancel(BaseModel):
    type: Literal["tutor.cancel"]
    request_id: RequestId


class Subscribe(BaseModel):
    type: Literal["subscribe"]
    channel: ChannelName
    last_event_id: EventIdText | None = Field(
        None, description="The last event id seen on this channel: what followed is replayed."
    )


class Unsubscribe(BaseModel):
    type: Literal["unsubscribe"]
    channel: ChannelName


class Heartbeat(BaseModel):
    type: Literal["heartbeat"]


class ChatSend(BaseModel):
    type: Literal["chat.send"]
    request_id: RequestId
    class_id: uuid.UUID
    text: ChatText


ClientFrameType = Auth | TutorSend | TutorCancel | Subscribe | Unsubscribe | Heartbeat | ChatSend
ClientFrame = Annotated[ClientFrameType, Field(discriminator="type")]
client_frames: TypeAdapter[ClientFrameType] = TypeAdapter(ClientFrame)
