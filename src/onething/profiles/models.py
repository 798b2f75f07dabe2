"""Companies (市场主体) as holders in their own right, created when their 营业执照 is issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime


class Company(Base):
    """A market entity the platform registered: its 统一社会信用代码, name, legal
    representative (负责人、经营者) and registered region; the licence that created it."""

    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_legal_rep", "legal_rep_id_number"),
                      Index("ix_companies_region", "region_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # 企业, 个体工商户 … (the licence's title)
    legal_rep_name: Mapped[str | None] = mapped_column(String(50), nullable=True)
    legal_rep_id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # registered region
    licence_number: Mapped[str] = mapped_column(String(40))  # the 营业执照 that created it
    # the application whose licence recorded it; none for a company put on file otherwise
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
