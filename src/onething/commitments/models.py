"""Follow-up checks (核查) of the commitments an approval relied on.

The signed commitments themselves are recorded in the application's materials (each with
the notice shown, per item, who signed and when): see commitments.service.sign.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime

OPEN, KEPT, FALSE = "open", "kept", "false"


class FollowUpCheck(Base):
    """核查: the deciding office checks, within a set number of working days after the
    approval, that what the applicant committed to is true."""

    __tablename__ = "follow_up_checks"
    __table_args__ = (Index("ix_follow_up_checks_office", "department_code", "region_code",
                            "status", "due_on"),
                      Index("ix_follow_up_checks_due", "status", "due_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(12))
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # [{code, name}] committed
    status: Mapped[str] = mapped_column(String(8))  # open | kept | false
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the office found
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
