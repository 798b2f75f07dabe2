"""The intermediary market's tables: intermediaries (入驻), projects, bids, complaints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onething.intermediaries.rules import AgencyStatus, Funding, Method, ProjectStatus
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string


class Intermediary(Base):
    """A company registered in the market (入驻): the services and regions it serves, its
    qualifications, the administrators' check (due `due_on`) and its credit score."""

    __tablename__ = "intermediaries"
    __table_args__ = (Index("ix_intermediaries_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # its 统一社会信用代码
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # registered
    representative_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    services: Mapped[list[str]] = mapped_column(JSONDoc)  # AgencyService values
    service_regions: Mapped[list[str]] = mapped_column(JSONDoc)  # region codes it serves
    qualifications: Mapped[str] = mapped_column(Text)  # 资质证书: names and numbers
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[AgencyStatus] = mapped_column(stored_as_string(AgencyStatus, 16))
    applied_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # to be checked by this day (working days)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    credit_score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgencyProject(Base):
    """A buyer's project: the service it needs, where, the budget and who pays, how the
    intermediary is chosen, the bids' deadline; the selection (with the draw's published
    record when the lot decided), the contract, the delivery and the buyer's rating."""

    __tablename__ = "agency_projects"
    __table_args__ = (Index("ix_agency_projects_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(String(32))  # an AgencyService value
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    funding: Mapped[Funding] = mapped_column(stored_as_string(Funding, 16))
    method: Mapped[Method] = mapped_column(stored_as_string(Method, 16))
    deadline: Mapped[date] = mapped_column(Date)  # bids until this day (China date)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    buyer_department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    buyer_name: Mapped[str] = mapped_column(String(200))  # the office, or the person
    material_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[ProjectStatus] = mapped_column(stored_as_string(ProjectStatus, 16))
    failure: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it failed
    # 随机抽取: the frozen pool (USCCs, sorted), its hash and the seed's commitment,
    # published before the draw; the seed stays secret until the draw reveals it
    pool: Mapped[list[str] | None] = mapped_column(JSONDoc, nullable=True)
    pool_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    draw_record: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    selected_id: Mapped[int | None] = mapped_column(ForeignKey("intermediaries.id"),
                                                    nullable=True)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    selected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    contract_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contracted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    delivery_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1–5
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgencyBid(Base):
    """An intermediary's bid on a project (竞价: its price; 择优: its price and proposal,
    scored by the buyer at the selection)."""

    __tablename__ = "agency_bids"
    __table_args__ = (UniqueConstraint("project_id", "intermediary_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("agency_projects.id"))
    intermediary_id: Mapped[int] = mapped_column(ForeignKey("intermediaries.id"), index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    proposal: Mapped[str] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 择优: 0–100
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyComplaint(Base):
    """The buyer's complaint about the intermediary of a project, decided by an
    administrator: an upheld one lowers the intermediary's credit score."""

    __tablename__ = "agency_complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("agency_projects.id"), index=True)
    intermediary_id: Mapped[int] = mapped_column(ForeignKey("intermediaries.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    upheld: Mapped[bool | None] = mapped_column(nullable=True)  # None: not decided yet
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
