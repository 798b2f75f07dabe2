"""Shared data sets as loaded: one row of facts per holder (and month, for a monthly set),
each with its source and the day it is true as of; and each load of a file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime


class DataLoad(Base):
    """One file of a shared data set loaded, and what it changed."""

    __tablename__ = "data_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_code: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SharedFact(Base):
    """A holder's facts from one shared data set (of one month, for a monthly set)."""

    __tablename__ = "shared_facts"
    __table_args__ = (UniqueConstraint("source_code", "holder_key", "period"),
                      Index("ix_shared_facts_holder", "holder_key", "source_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_code: Mapped[str] = mapped_column(String(64))
    holder_key: Mapped[str] = mapped_column(String(18))  # 居民身份证号 or 统一社会信用代码
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM, or "" (one row per holder)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    as_of: Mapped[date] = mapped_column(Date)
    load_id: Mapped[int] = mapped_column(ForeignKey("data_loads.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PolicyMatch(Base):
    """A holder found to qualify for a policy for one period (a month, a year, or once),
    with the amount and the facts that made the rule true. One per policy, holder and
    period: a holder is never matched — nor paid — twice for one period."""

    __tablename__ = "policy_matches"
    __table_args__ = (UniqueConstraint("policy_code", "holder_key", "period"),
                      Index("ix_policy_matches_holder", "holder_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_code: Mapped[str] = mapped_column(String(64))
    holder_kind: Mapped[str] = mapped_column(String(8))  # person | company
    holder_key: Mapped[str] = mapped_column(String(18))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM (monthly), YYYY (yearly), ""
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(16))  # matched (the flow after: to come)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # why: the profile the rule read
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
