"""Electronic licences (电子证照) in their holders' wallets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.db import Base, UTCDateTime, utcnow


class Licence(Base):
    __tablename__ = "licences"
    __table_args__ = (Index("ix_licences_holder", "holder_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    holder_name: Mapped[str] = mapped_column(String(200))
    licence_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))  # the office: 芙蓉区市场监督管理局
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: 长期
    status: Mapped[str] = mapped_column(String(16))  # held (容缺 pending) | valid | revoked
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # 已撤销: why
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
