"""Open311 API keys (stored hashed) and what an Open311 client sent with each request
beyond the ticket itself (write-only contact data, media, the client's own ids)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime


class ApiKey(Base):
    """A client allowed to POST requests: its name, the key's SHA-256 (the key itself is
    shown once, when made), and the region its requests are about when they name none."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Submission(Base):
    """A ticket that came in through Open311: which key sent it, and the fields of the
    spec the ticket itself has no place for. Never answered back (personal data)."""

    __tablename__ = "open311_requests"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("hotline_tickets.id"), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
