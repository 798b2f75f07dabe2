"""12345 tickets (工单), the offices they are assigned to, and each ticket's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from onething.hotline.rules import Channel, Kind, Status, Urgency
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string

# The figures of a period (migration 0028): one index per instant a figure counts by,
# led by that instant and holding what the figure then reads, so that a count is a range
# of one index (an index-only scan on PostgreSQL, a covering index on SQLite)
FIGURE_INDEXES: dict[str, tuple[str, ...]] = {
    "received_at": ("received_at", "region_code", "kind", "channel", "category_code",
                    "status"),
    "sign_due_at": ("sign_due_at", "region_code", "signed_at"),
    "signed_at": ("signed_at", "region_code", "sign_due_at"),
    "reply_due_at": ("reply_due_at", "region_code", "replied_at"),
    "replied_at": ("replied_at", "region_code", "reply_due_at"),
    "closed_at": ("closed_at", "region_code", "dispatched_at", "reopens"),
    "reopened_at": ("reopened_at", "region_code", "closed_at"),
    "visited_at": ("visited_at", "region_code", "satisfaction"),
}


class Step(TypedDict):
    """One move on a ticket: what, by whom (name and role), when, and what was said."""

    at: str  # ISO timestamp
    move: str
    by: str
    role: str
    note: str


LOCATED = text("lat IS NOT NULL AND long IS NOT NULL")


class Ticket(Base):
    """One 诉求 taken by the 12345 centre of `centre_region`, about `region_code`."""

    __tablename__ = "hotline_tickets"
    __table_args__ = (Index("ix_hotline_tickets_centre", "centre_region", "status", "id"),
                      Index("ix_hotline_tickets_caller", "caller_id", "id"),
                      Index("ix_hotline_tickets_phone", "caller_phone"),
                      Index("ix_hotline_tickets_parent", "parent_id"),
                      Index("ix_hotline_tickets_application", "application_number"),
                      Index("ix_hotline_tickets_source", "source_kind", "source_id",
                            unique=True),
                      *(Index(f"ix_hotline_tickets_{name}", *columns)
                        for name, columns in FIGURE_INDEXES.items()),
                      # a new ticket's 并单 candidates: the same place, or any located one
                      Index("ix_hotline_tickets_similar", "centre_region", "category_code",
                            "region_code", "place", "received_at"),
                      Index("ix_hotline_tickets_located", "centre_region", "category_code",
                            "region_code", "received_at", postgresql_where=LOCATED,
                            sqlite_where=LOCATED))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[Channel] = mapped_column(stored_as_string(Channel, 16))
    kind: Mapped[Kind] = mapped_column(stored_as_string(Kind, 16))
    category_code: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[Urgency] = mapped_column(stored_as_string(Urgency, 16))
    status: Mapped[Status] = mapped_column(stored_as_string(Status, 16))
    centre_region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # where it happens
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # the address as the duplicate rule compares it (rules.normalised), for 并单
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    long: Mapped[float | None] = mapped_column(Float, nullable=True)
    caller_name: Mapped[str] = mapped_column(String(50))
    caller_phone: Mapped[str] = mapped_column(String(20))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)  # 保密 (举报)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSONDoc, default=list)  # file ids
    application_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_tickets.id"),
                                                  nullable=True)  # 并单
    # what opened the ticket when no caller did: ("rating", the rating's id) for a 差评;
    # one ticket per source (replays find it)
    source_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rectification_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its 整改
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sign_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reply_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # how it ended or what was answered: the answer, the line transferred to, the channel
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)  # the office's 答复
    returns: Mapped[int] = mapped_column(Integer, default=0)  # 审核退回 and 重办
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)  # 督办
    extension: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    callback: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)  # 回访
    # the last 回访 (when, and what the caller said) and the 重办 (how many, the last), kept
    # as columns for the figures (`hotline/statistics.py`)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    satisfaction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reopens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    timeline: Mapped[list[Step]] = mapped_column(JSONDoc, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(Base):
    """An office a ticket is dispatched to: 主办 (`host`) or 协办; `active` until the
    ticket is re-assigned."""

    __tablename__ = "hotline_assignments"
    __table_args__ = (Index("ix_hotline_assignments_inbox", "department_code", "region_code",
                            "active", "ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hotline_tickets.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    host: Mapped[bool] = mapped_column(Boolean)
    suggested: Mapped[bool] = mapped_column(Boolean)  # as the 派单目录 suggested
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # 退单
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)  # 协办意见
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
