"""Table of class chat: one row per message, keyed for history by its fan-out event id."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow
from platform_api.realtime.event_ids import EventId


class ClassMessage(Base):
    __tablename__ = "class_messages"
    __table_args__ = (Index("ix_class_messages_class_event", "class_id", "event_ms", "event_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # Erasing an account erases what it wrote.
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The event id the message was pushed with: the order of the channel, and where a
    # reconnecting client whose missed frames left the recent history resumes from.
    event_ms: Mapped[int] = mapped_column(BigInteger)
    event_seq: Mapped[int] = mapped_column(Integer)

    @property
    def event_id(self) -> EventId:
        return EventId(self.event_ms, self.event_seq)
