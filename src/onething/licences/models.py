"""Electronic licences (电子证照) in their holders' wallets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime


class Licence(Base):
    """A result issued into the wallet of the applicant (`holder_id`); it is about its
    holder (`holder_kind`): the applicant, another person (a child) or a market entity."""

    __tablename__ = "licences"
    __table_args__ = (Index("ix_licences_holder", "holder_id", "status"),
                      Index("ix_licences_holder_number", "holder_number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # whose wallet
    holder_kind: Mapped[str] = mapped_column(String(16), default="applicant")  # | person | company
    holder_title: Mapped[str] = mapped_column(String(20), default="本人")  # 企业, 子女 …
    holder_name: Mapped[str] = mapped_column(String(200))
    # the holder's 居民身份证号 (personal: masked when shown) or 统一社会信用代码
    holder_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    licence_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))  # the office: 芙蓉区市场监督管理局
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: 长期
    status: Mapped[str] = mapped_column(String(16))  # held (容缺 pending) | valid | revoked
    # the values the item created (its result's `fills`): field code → value
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # 已撤销: why
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
