"""The packages exchanged with partner platforms, both ways, as they were signed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string


class Direction(StrEnum):
    outbound = "outbound"  # signed here, sent to the partner by the job
    inbound = "inbound"  # received from the partner, verified and imported


class PackageStatus(StrEnum):
    queued = "queued"  # waiting to be sent (again, after a failed attempt)
    sent = "sent"  # the partner took it, but its receipt could not be verified
    acknowledged = "acknowledged"  # the partner's signed receipt is kept
    failed = "failed"  # refused by the partner, or attempts exhausted
    received = "received"  # inbound: imported, our receipt given


class Kind(StrEnum):
    application = "application"
    result = "result"


class ExchangePackage(Base):
    __tablename__ = "exchange_packages"
    __table_args__ = (
        UniqueConstraint("direction", "package_id"),
        Index("ix_exchange_packages_due", "status", "next_attempt_at"),  # the job
        Index("ix_exchange_packages_application", "application_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[Direction] = mapped_column(stored_as_string(Direction, 16))
    partner: Mapped[str] = mapped_column(String(16))
    package_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[Kind] = mapped_column(stored_as_string(Kind, 16))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical JSON signed
    status: Mapped[PackageStatus] = mapped_column(stored_as_string(PackageStatus, 16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True)
    partner_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
