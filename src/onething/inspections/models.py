"""The tables of random inspections (双随机、一公开): the 随机抽查事项清单, the 检查对象名录库
and the 执法检查人员名录库, 回避 records, tasks with their frozen pool and draw, and the
objects drawn with their inspectors and results."""

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

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime


class CheckItem(Base):
    """One entry of a department's 随机抽查事项清单: what is checked, on what legal basis, how."""

    __tablename__ = "inspection_items"
    __table_args__ = (Index("ix_inspection_items_department", "department_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)  # 抽查依据
    method: Mapped[str] = mapped_column(String(200))  # 抽查方式（现场检查、书面检查 …）
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entity(Base):
    """A market entity of the 检查对象名录库: loaded from a register (with its township and
    credit risk class) or taken from the company files (`source` company)."""

    __tablename__ = "inspection_entities"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    region_code: Mapped[str] = mapped_column(String(12))  # registered county (GB/T 2260)
    township_code: Mapped[str | None] = mapped_column(String(12), nullable=True)  # 乡镇/街道
    risk_class: Mapped[str] = mapped_column(String(1))  # A 低 · B 较低 · C 较高 · D 高
    source: Mapped[str] = mapped_column(String(8))  # register | company
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Inspector(Base):
    """One law-enforcement officer of the 执法检查人员名录库."""

    __tablename__ = "inspectors"
    __table_args__ = (Index("ix_inspectors_scope", "department_code", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50))
    cert_number: Mapped[str] = mapped_column(String(32), unique=True)  # 执法证号
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    township_code: Mapped[str | None] = mapped_column(String(12), nullable=True)  # 所属基层所
    qualification: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Recusal(Base):
    """A recorded conflict of an inspector with an entity (回避): never drawn for it."""

    __tablename__ = "inspection_recusals"
    __table_args__ = (UniqueConstraint("inspector_id", "uscc",
                                       name="uq_inspection_recusals_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"))
    uscc: Mapped[str] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionTask(Base):
    """A 抽查任务 (one department, or several for 联合抽查): its items, the filter over the
    entities, the ratio, inspectors per object and time window; once frozen, the pools'
    hashes and the seed's commitment; once drawn, the seed revealed."""

    __tablename__ = "inspection_tasks"
    __table_args__ = (Index("ix_inspection_tasks_region", "region_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    departments: Mapped[list[str]] = mapped_column(JSONDoc)  # the lead department first
    items: Mapped[list[int]] = mapped_column(JSONDoc)  # check item ids
    object_filter: Mapped[str] = mapped_column(Text, default="")  # CEL; empty: every entity
    ratio: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    inspectors_per_object: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # draft | frozen | drawn
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # frozen: the commitment and what it covers (the seed stays secret until the draw)
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pool_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pool_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    roster: Mapped[list[str] | None] = mapped_column(JSONDoc, nullable=True)  # 执法证号
    roster_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    picked: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PoolChunk(Base):
    """The frozen object pool, in order, a chunk of ids (joined by newlines) per row."""

    __tablename__ = "inspection_pool_chunks"

    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_tasks.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ids: Mapped[str] = mapped_column(Text)


class InspectionObject(Base):
    """An entity drawn for a task (in the order drawn), the inspectors drawn for it, the
    inspectors left out (回避) and its result, then the result's publication."""

    __tablename__ = "inspection_objects"
    __table_args__ = (UniqueConstraint("task_id", "seq", name="uq_inspection_objects_seq"),
                      Index("ix_inspection_objects_uscc", "uscc"),
                      Index("ix_inspection_objects_due", "publish_due_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_tasks.id"))
    seq: Mapped[int] = mapped_column(Integer)
    uscc: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    township_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    inspectors: Mapped[list[str]] = mapped_column(JSONDoc)  # 执法证号, in the order drawn
    left_out: Mapped[list[Any]] = mapped_column(JSONDoc)  # [执法证号, why] of 回避
    pool_hash: Mapped[str] = mapped_column(String(64))  # of its inspectors' pool
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    result_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    publish_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
