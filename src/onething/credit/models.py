"""Credit records (信用记录): 失信 or 守信, whose, why, on what grounds, from when until when,
and, for a 失信 record, when it was repaired (信用修复)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime

BAD, GOOD = "bad", "good"  # 失信, 守信


class CreditRecord(Base):
    """One record of a holder's credit. The holder is a user of the platform (`holder_id`:
    a record the platform writes, e.g. a false commitment) and/or a holder key (居民身份证号
    or 统一社会信用代码: a record loaded from another department's list, about someone who
    may have no account here)."""

    __tablename__ = "credit_records"
    __table_args__ = (Index("ix_credit_records_holder", "holder_id", "valid_until"),
                      Index("ix_credit_records_key", "holder_key", "valid_until"),
                      Index("ix_credit_records_reference", "source", "reference"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # bad (失信) | good (守信)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    holder_key: Mapped[str | None] = mapped_column(String(18), nullable=True)
    holder_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    # commitment_check (a false commitment), ruling (a decision of an office), data (a list
    # loaded from a file: `source_name` names it)
    source: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 文书号
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)  # the last day it counts
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 信用修复: the 失信 record no longer counts from then on, by that application
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    repair_application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                              nullable=True)
