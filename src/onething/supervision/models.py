"""Cards raised by the deadline sweep (红黄牌)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.cases.models import DUE_AT_ONCE
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime


class Card(Base):
    """A warning, yellow or red card about one task, application, rectification ….

    The unique key makes "at most once each" a property of the database, so any number of
    sweeps, in any number of processes, can never raise the same card twice.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "kind"),
        Index("ix_cards_region_raised", "region_code", "raised_at"),
        Index("ix_cards_open", "subject", "subject_id", "closed_at"),
        Index("ix_cards_raised_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # task | application | procedure | acceptance | issuing | rectification | commitment_check
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # warning | yellow | red
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    department_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region_code: Mapped[str] = mapped_column(String(12))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delay_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SweepMark(Base):
    """What the stored `next_check_on` dates were computed with (the calendar, the
    thresholds): when that changes, the sweep reads every open case again."""

    __tablename__ = "sweep_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class WatchedDeadline(Base):
    """A deadline another domain asked supervision to watch (`kernel.watch.WatchStarted`:
    a rectification, a commitment check), until it ends (`WatchEnded` removes it).

    It holds what the sweep needs to raise and address the subject's cards, so that
    supervision reads no sibling domain's tables. One row per subject (the unique key):
    several sweeps claim rows with `FOR UPDATE SKIP LOCKED`, as they claim cases.
    """

    __tablename__ = "watched_deadlines"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id"),
        Index("ix_watched_deadlines_due", "subject", "next_check_on"),  # the sweep
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(16))  # rectification | commitment_check
    subject_id: Mapped[int] = mapped_column(Integer)
    opened_on: Mapped[date] = mapped_column(Date)  # China date; the limit counts from it
    due_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(String(12))
    department_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    window: Mapped[bool] = mapped_column(Boolean, default=False)  # the window answers for it
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # the first China date on which a card it has not had can fall due (see the sweep)
    next_check_on: Mapped[date] = mapped_column(Date, default=DUE_AT_ONCE,
                                                server_default=DUE_AT_ONCE.isoformat())
