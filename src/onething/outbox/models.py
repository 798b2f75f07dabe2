"""The outbox: messages to people, written with what they announce and sent later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime


class Notification(Base):
    """The outbox: written in the same transaction as what it announces, sent later."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), nullable=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # how it reaches the person: `email` (the default) or `sms` (the phone on file)
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
