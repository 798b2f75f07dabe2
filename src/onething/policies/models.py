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
    status: Mapped[str] = mapped_column(String(16))  # flow.MatchStatus
    facts: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # why: the profile the rule read
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # why a match was made by hand (an appeal upheld) or a holder stopped (the unmet rule)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # the holder's confirmation: the account the money goes to, and the amount accepted
    account_name: Mapped[str | None] = mapped_column(String(200), nullable=True)  # 户名
    account_bank: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 开户行
    account_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # username
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    publicity_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # its last day
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PolicyObjection(Base):
    """An objection to a match in 公示 (anyone signed in), and the department's decision:
    upheld (the match is rejected) or dismissed (it goes on)."""

    __tablename__ = "policy_objections"
    __table_args__ = (Index("ix_policy_objections_match", "match_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("policy_matches.id"))
    made_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld|dismissed
    answer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PolicyAppeal(Base):
    """A holder the calculator finds not qualifying asks the department to look again; upheld,
    a match is made by hand for the period (the reason kept), dismissed, the answer told."""

    __tablename__ = "policy_appeals"
    __table_args__ = (Index("ix_policy_appeals_holder", "holder_key"),
                      Index("ix_policy_appeals_policy", "policy_code", "decision"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_code: Mapped[str] = mapped_column(String(64))
    holder_kind: Mapped[str] = mapped_column(String(8))
    holder_key: Mapped[str] = mapped_column(String(18))
    period: Mapped[str] = mapped_column(String(7))
    unmet: Mapped[str] = mapped_column(String(500))  # what the calculator said was not met
    reason: Mapped[str] = mapped_column(String(500))
    made_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld|dismissed
    answer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("policy_matches.id"),
                                                 nullable=True)


class PayoutBatch(Base):
    """The approved matches of one policy and period paid together (发放批次): its count and
    total, checked against its payouts whenever it is exported for the bank or treasury."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_code: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    made_by: Mapped[str] = mapped_column(String(100))  # a username, or system (the CLI)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payout(Base):
    """One payment of one batch. One per policy, holder and period, and one per match: the
    database's guarantee that nothing is paid twice for one period."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("policy_code", "holder_key", "period"),
                      UniqueConstraint("match_id"),
                      Index("ix_payouts_batch", "batch_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"))
    match_id: Mapped[int] = mapped_column(ForeignKey("policy_matches.id"))
    policy_code: Mapped[str] = mapped_column(String(64))
    holder_key: Mapped[str] = mapped_column(String(18))
    period: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    payee: Mapped[str] = mapped_column(String(200))
    account_bank: Mapped[str] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(40))
