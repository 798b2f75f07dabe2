"""The audit trail: append-only records in hash chains, a few per city (and as many for
the province and the platform), each with a head that names its last record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.db import Base, JSONDoc, UTCDateTime


class AuditRecord(Base):
    """Who (user, role, scope), did what to which subject, before → after, when, from
    which address; `hash` seals it together with the hash of the record before it."""

    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_subject", "subject", "subject_id"),
        Index("ix_audit_actor", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(8))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(100))  # username at the time
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last record of one chain; locked while a transaction appends to the chain."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(8), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
