"""好差评: one rating per service of a case (the receiving window, each deciding department);
a bad one opens a rectification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("application_id", "service", name="uq_ratings_service"),
        Index("ix_ratings_department", "department_code", "region_code", "created_at"),
        Index("ix_ratings_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    # online: in the applicant's account; code: 扫码评价 with the receipt's one-time code;
    # window: taken by window staff (before staff were barred from it)
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(16), default="department",
                                        server_default="department")  # window | department
    indicators: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    department_code: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: window
    # the service rated, once per case: "window", or "department:" and the department's code
    service: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(String(12))  # of the office rated
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


OPEN_RECTIFICATION = ("verifying", "deciding", "rectifying", "following_up")  # not closed


class Rectification(Base):
    """差评整改: verify with the rater, decide, rectify, follow up — within the time limit."""

    __tablename__ = "rectifications"
    __table_args__ = (Index("ix_rectifications_office", "department_code", "region_code",
                            "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    target: Mapped[str] = mapped_column(String(16), default="department",
                                        server_default="department")  # window | department
    department_code: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: window
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # who did what, when
    justified: Mapped[bool | None] = mapped_column(nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the rater sees
    review: Mapped[str | None] = mapped_column(Text, nullable=True)  # the supervisor's word
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    on_time: Mapped[bool | None] = mapped_column(nullable=True)  # closed by due_on (整改率)


class RatingCode(Base):
    """扫码评价: a one-time code printed on the window's receipt, stored hashed; it lets the
    applicant rate that one application on their own phone, without signing in."""

    __tablename__ = "rating_codes"
    __table_args__ = (Index("ix_rating_codes_application", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the code
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
