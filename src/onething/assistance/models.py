"""帮代办 requests: who asked for help, with what, where, and who helped."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.assistance.rules import HelpKind, HelpMode, HelpReason, HelpStatus
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string


class FollowUp(TypedDict):
    """One step in following a request up: what was done or heard, by whom, when."""

    at: str  # ISO timestamp
    by: str  # the clerk's display name, or 系统 for what the case itself did
    note: str


class HelpRequest(Base):
    """One request for 帮办代办 (a home visit or remote help), or a case reported to the
    办不成事 window (`kind`), answered by the window of the region within a set number of
    working days and followed up to its end."""

    __tablename__ = "help_requests"
    __table_args__ = (Index("ix_help_requests_queue", "region_code", "status", "due_on"),
                      Index("ix_help_requests_requester", "requester_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[HelpKind] = mapped_column(stored_as_string(HelpKind, 16),
                                           default=HelpKind.help, server_default="help")
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # where help is needed
    mode: Mapped[HelpMode] = mapped_column(stored_as_string(HelpMode, 16))
    reason: Mapped[HelpReason] = mapped_column(stored_as_string(HelpReason, 16))
    need: Mapped[str] = mapped_column(Text)  # what they want done, in their words
    bundle_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)  # for a home visit
    status: Mapped[HelpStatus] = mapped_column(stored_as_string(HelpStatus, 16))
    due_on: Mapped[date] = mapped_column(Date)  # to be taken up by this day (China date)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)  # what was done
    application_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # 办不成事: the case that got stuck (its number above)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True, index=True)
    follow_ups: Mapped[list[FollowUp]] = mapped_column(JSONDoc, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
