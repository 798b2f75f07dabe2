"""Catalog tables. Rows are never deleted: an entry removed from the files is
marked withdrawn in the version that removed it, so applications that name it
keep a valid reference."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime


class CatalogVersion(Base):
    """One version of the catalog: a load by the command (published at once) or a draft
    submitted by an administrator, reviewed by another and published (`publishing.py`).
    Exactly one row is `published`: the catalog in force; those it replaced are
    `superseded` (or `rolled_back`)."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(500))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author: Mapped[str] = mapped_column(String(100), default="")  # a name, or 命令行
    reviewer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # the review's last word
    publish_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # scheduled day
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    publisher: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # the version in force when this one was published (what a rollback goes back to)
    supersedes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rollback_of: Mapped[int | None] = mapped_column(Integer, nullable=True)


class _Entry:
    """Columns every catalog entry has."""

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDoc)

    @declared_attr
    def changed_in(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("catalog_versions.id"))

    @declared_attr
    def withdrawn_in(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("catalog_versions.id"), nullable=True)


class RegionRow(_Entry, Base):
    __tablename__ = "regions"

    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True, nullable=True)


class DepartmentRow(_Entry, Base):
    __tablename__ = "departments"


class FieldRow(_Entry, Base):
    __tablename__ = "form_fields"


class MaterialRow(_Entry, Base):
    __tablename__ = "materials"


class ItemRow(_Entry, Base):
    __tablename__ = "items"

    type: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    legal_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    fee: Mapped[float] = mapped_column(Numeric(12, 2))


class BundleRow(_Entry, Base):
    __tablename__ = "bundles"

    audience: Mapped[str] = mapped_column(String(16))
