"""Applications (办件), their tasks (子项办理) and the append-only event log.

Statuses, actions, channels and decisions are the enums of `cases.states`, stored as their
strings (VARCHAR columns as before: no native enum type, no CHECK constraint); the JSON kept
on the rows has the typed shapes below.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, NotRequired, TypedDict

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from onething.cases.states import (
    Action,
    AppStatus,
    Channel,
    ProcedureStatus,
    TaskStatus,
)
from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string
from onething.kernel.principal import Role

# --- what the rows' JSON holds -------------------------------------------------------------

FormValue = str | int | float | bool  # a form field's value, cleaned by its type (cases.forms)
Answer = str | int | float | bool | list[str]  # an answer to a situation question (情形)
Provision = Literal["file", "licence", "produced", "commitment", "deferred", "none"]


class SignedItem(TypedDict):
    """One item's notice and the commitment signed to it (告知承诺书)."""

    item: str
    item_name: str
    notice: str
    statement: str


class SignedCommitment(TypedDict):
    signed_by: str
    signed_by_id: int
    signed_at: str  # ISO timestamp
    items: list[SignedItem]
    entered_by: NotRequired[str]  # the proxy or window who entered it, if not the applicant


class MaterialEntry(TypedDict):
    """One material of the application and how it is provided (`provided`): a file uploaded
    (`file`, `filename`; `supplemented` when brought after 容缺), a licence held (`licence`),
    an earlier stage's result (`produced_by`), a signed commitment (`commitment`), deferred
    (容缺, until supplemented) or none (not required)."""

    code: str
    name: str
    key: bool
    required: bool
    status: str  # the guide's MaterialStatus
    items: list[str]
    provided: NotRequired[Provision]
    file: NotRequired[str]
    filename: NotRequired[str]
    supplemented: NotRequired[bool]
    licence: NotRequired[str]
    produced_by: NotRequired[str | None]
    commitment: NotRequired[SignedCommitment]


class NoticeEntry(TypedDict):
    """One problem of a return notice (一次性告知): what it is about, and what to do."""

    subject: str
    message: str


class ReturnNotice(TypedDict):
    items: list[NoticeEntry]
    at: str  # ISO timestamp
    by: str  # the window's display name


class Delivery(TypedDict):
    method: str  # a DeliveryMethod's value (JSON keeps the string)
    tracking_number: str | None
    note: str | None
    by: str


class AssistedConsent(TypedDict):
    """帮办: the window filed for a walk-in applicant, who signed their consent on paper; the
    scan of that signed form, as uploaded by the clerk."""

    file: str  # the uploaded file's id
    filename: str
    by: str  # the clerk's display name


class WrittenNotice(TypedDict):
    """A notice given to the applicant in writing (特别程序告知, 终止办理告知)."""

    title: str
    text: str


class Suspension(TypedDict):
    """The running special procedure of a task, as the applicant was told it."""

    id: int  # its SpecialProcedure row
    procedure: str
    days: int
    reason: str
    since: str  # ISO date
    expected_end: str  # ISO date
    expected_end_provisional: bool
    notice: WrittenNotice

class AutoCheck(TypedDict):
    """秒批: what the item's automatic rule found when the task opened."""

    held: bool  # every condition held, and the holder may use 秒批: decided by the platform
    unmet: str | None  # the condition not met (or why 秒批 is not open to the holder)
    facts: dict[str, Any]  # what the rule read: the form values, licences, profile, credit


# `next_check_on` of an open case: the China date from which the deadline sweep reads it
# again (see supervision.sweep). A change to its clock sets it back to "at once".
DUE_AT_ONCE = date(1970, 1, 1)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("submitted_by_id", "idempotency_key"),
        Index("ix_applications_applicant", "applicant_id", "id"),
        Index("ix_applications_submitter", "submitted_by_id", "id"),
        Index("ix_applications_region_status", "region_code", "status"),
        Index("ix_applications_region_newest", "region_code", "id"),  # lists by scope
        Index("ix_applications_due", "status", "next_check_on"),  # the sweep
        Index("ix_applications_submitted_at", "submitted_at"),  # statistics by period
        Index("ix_applications_accepted_at", "accepted_at"),
        Index("ix_applications_completed_at", "completed_at"),
        Index("ix_applications_supplement", "supplemented_at", "supplement_due"),  # 容缺
        Index("ix_applications_cross_region", "cross_region", "id"),  # scope: 跨域通办
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 办件编号
    bundle_code: Mapped[str] = mapped_column(ForeignKey("bundles.code"))
    catalog_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id"))
    catalog_version: Mapped[str] = mapped_column(String(64))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[Channel] = mapped_column(stored_as_string(Channel, 16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # receiving region
    # a task decided by an office outside the receiving region (跨域通办: received for
    # another region); its tasks' regions then widen who sees the case
    cross_region: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 帮办: filed by the window for a walk-in applicant, with their signed consent
    assisted_consent: Mapped[AssistedConsent | None] = mapped_column(JSONDoc, nullable=True)
    status: Mapped[AppStatus] = mapped_column(stored_as_string(AppStatus, 32))
    answers: Mapped[dict[str, Answer]] = mapped_column(JSONDoc)
    form: Mapped[dict[str, FormValue]] = mapped_column(JSONDoc)
    materials: Mapped[list[MaterialEntry]] = mapped_column(JSONDoc)
    guide: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # what the guide said at submission
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # SHA-256 of what was submitted with the key (cases.idempotency): the same key with other
    # content is refused, not answered with this application
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    promised_days: Mapped[int] = mapped_column(Integer)
    deficient: Mapped[bool] = mapped_column(Boolean, default=False)  # 容缺: results held
    supplement_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    supplemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    supplement_missed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the last resubmission after a return: the window's clock (pre-acceptance) restarts
    resubmitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notice: Mapped[ReturnNotice | None] = mapped_column(JSONDoc, nullable=True)  # 一次性告知
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # refusal, withdrawal
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivery: Mapped[Delivery | None] = mapped_column(JSONDoc, nullable=True)
    rating_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # kept when known, so statistics aggregate in SQL instead of recounting working days
    legal_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # at acceptance
    worked_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # at completion
    late_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # at completion
    next_check_on: Mapped[date] = mapped_column(Date, default=DUE_AT_ONCE,
                                                server_default=DUE_AT_ONCE.isoformat())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "department_code", "region_code", "status", "deadline"),
        Index("ix_tasks_application", "application_id", "stage"),
        Index("ix_tasks_due", "status", "next_check_on"),  # the sweep
        Index("ix_tasks_decided_at", "decided_at"),  # statistics by period
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    item_name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[TaskStatus] = mapped_column(stored_as_string(TaskStatus, 16))
    promised_days: Mapped[int] = mapped_column(Integer)
    legal_days: Mapped[int] = mapped_column(Integer)
    opened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_days: Mapped[int] = mapped_column(Integer, default=0)
    suspended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    suspension: Mapped[Suspension | None] = mapped_column(JSONDoc, nullable=True)
    next_check_on: Mapped[date] = mapped_column(Date, default=DUE_AT_ONCE,
                                                server_default=DUE_AT_ONCE.isoformat())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    worked_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # when decided
    late_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # when decided
    # 秒批: decided by the platform on its item's automatic rule (statistics count them)
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the automatic rule's outcome when the task opened: the facts it read, or the
    # condition not met (shown to the approver)
    auto_check: Mapped[AutoCheck | None] = mapped_column(JSONDoc, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SpecialProcedure(Base):
    """A special procedure (特别程序, 行政许可法 art. 45) of a task: its kind, the expected
    length the applicant was told, and when it ended. The working days it takes extend the
    task's limits; its own expected end is watched by the sweep."""

    __tablename__ = "special_procedures"
    __table_args__ = (
        Index("ix_special_procedures_due", "status", "next_check_on"),  # the sweep
        Index("ix_special_procedures_application", "application_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    procedure: Mapped[str] = mapped_column(String(16))  # 听证、招标、拍卖、检验 …
    days: Mapped[int] = mapped_column(Integer)  # expected length, working days
    reason: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    expected_end: Mapped[date] = mapped_column(Date)
    expected_end_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ProcedureStatus] = mapped_column(stored_as_string(ProcedureStatus, 16),
                                                    default=ProcedureStatus.running)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    next_check_on: Mapped[date] = mapped_column(Date, default=DUE_AT_ONCE,
                                                server_default=DUE_AT_ONCE.isoformat())


class Event(Base):
    """Append-only: every transition, who, when, what, why."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_application", "application_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[Role] = mapped_column(stored_as_string(Role, 16))
    action: Mapped[Action] = mapped_column(stored_as_string(Action, 32))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)


class NumberCounter(Base):
    """Sequences for 办件编号 and licence numbers, one row per prefix."""

    __tablename__ = "number_counters"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
