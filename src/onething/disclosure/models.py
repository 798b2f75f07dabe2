"""The tables of 依申请公开: the requests with their clock and reply, and each step taken."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.disclosure.fees import FeeMode
from onething.disclosure.rules import ApplicantType, Channel, Delivery, ReplyKind, Status
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string


class DisclosureRequest(Base):
    """One request for government information (政府信息公开申请) to one office — a
    department in a region —, its clock (`due_on`, `extended_due_on`), the 补正, extension
    and consultation on it, and the reply."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (
        Index("ix_disclosure_requests_office", "region_code", "department_code", "status"),
        Index("ix_disclosure_requests_applicant", "applicant_id", "received_on"),
        Index("ix_disclosure_requests_received", "received_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_type: Mapped[ApplicantType] = mapped_column(stored_as_string(ApplicantType, 16))
    contact: Mapped[str] = mapped_column(String(200))  # address, e-mail or phone
    channel: Mapped[Channel] = mapped_column(stored_as_string(Channel, 16))
    delivery: Mapped[Delivery] = mapped_column(stored_as_string(Delivery, 16))
    description: Mapped[str] = mapped_column(Text)  # the information asked for
    department_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    received_on: Mapped[date] = mapped_column(Date)  # as the office records it
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[Status] = mapped_column(stored_as_string(Status, 16))
    # the clock: from `clock_start_on` (received, or the correction's arrival)
    clock_start_on: Mapped[date] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)  # a consultation's
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[date] = mapped_column(Date)
    extended_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # 补正 (art. 30)
    correction_asked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    correction_note: Mapped[str | None] = mapped_column(Text, nullable=True)  # what is unclear
    correction_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    corrected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    correction_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the one extension (art. 33)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    extension_approver: Mapped[str | None] = mapped_column(String(100), nullable=True)
    extended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # a third party's consultation (art. 32)
    third_party: Mapped[str | None] = mapped_column(String(200), nullable=True)
    consult_sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    consult_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    consult_back_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    consult_opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the reply (art. 36)
    reply_kind: Mapped[ReplyKind | None] = mapped_column(stored_as_string(ReplyKind, 16),
                                                         nullable=True)
    reply: Mapped[dict[str, str] | None] = mapped_column(JSONDoc, nullable=True)  # its parts
    redress: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("files.id"), nullable=True)
    fee_mode: Mapped[FeeMode] = mapped_column(stored_as_string(FeeMode, 8),
                                              default=FeeMode.none)
    fee_pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee_yuan: Mapped[int] = mapped_column(Integer, default=0)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # replied or withdrawn
    lapsed: Mapped[bool] = mapped_column(default=False)  # withdrawn: no correction in time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def number(self) -> str:
        """The request's number as letters and replies cite it (依申请 2026-00012)."""
        return f"{self.received_on.year}-{self.id:05d}"

    @property
    def deadline(self) -> date:
        return self.extended_due_on or self.due_on


class DisclosureStep(Base):
    """One step on a request (received, 补正 asked and arrived, extended, consulted,
    replied, withdrawn), with who took it and what it said: the request's timeline."""

    __tablename__ = "disclosure_steps"
    __table_args__ = (Index("ix_disclosure_steps_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_requests.id"))
    move: Mapped[str] = mapped_column(String(16))  # a rules.Move, or `receive`
    on: Mapped[date] = mapped_column(Date)  # the day it counts from (China date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
