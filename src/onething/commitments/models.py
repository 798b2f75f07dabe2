"""Follow-up checks (核查) of the commitments an approval relied on.

The signed commitments themselves are recorded in the application's materials (each with
the notice shown, per item, who signed and when): see commitments.service.sign.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime

OPEN, KEPT, FALSE = "open", "kept", "false"
# with a 核查比例 below 1: pooled until the office's draw, then open (drawn) or not_drawn
POOLED, NOT_DRAWN = "pooled", "not_drawn"
WHOLE = 10000  # a ratio is kept in parts of ten thousand: 1 (all) is 10000


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
    # pooled → open | not_drawn; open → kept | false
    status: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # none while pooled
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("check_draws.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the office found
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckRatio(Base):
    """核查比例: the share of its 告知承诺 approvals an office (a department in a region)
    checks, drawn by lot; an office without one checks them all."""

    __tablename__ = "check_ratios"
    __table_args__ = (UniqueConstraint("department_code", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(12))
    parts: Mapped[int] = mapped_column(Integer)  # of WHOLE: 1 … 10000
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckDraw(Base):
    """核查抽取: one draw of an office over the checks pooled since its last one, with its
    published record (docs/DRAW.md: seed, commitment, pool, k, result) to re-run it."""

    __tablename__ = "check_draws"
    __table_args__ = (Index("ix_check_draws_office", "department_code", "region_code",
                            "drawn_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(12))
    parts: Mapped[int] = mapped_column(Integer)  # the ratio it drew by, of WHOLE
    pooled: Mapped[int] = mapped_column(Integer)  # n
    picked: Mapped[int] = mapped_column(Integer)  # k
    record: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
