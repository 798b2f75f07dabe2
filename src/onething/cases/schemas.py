"""What the applications and tasks API takes and answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal, cast, overload

from pydantic import BaseModel, Field, JsonValue
from sqlalchemy import bindparam, select

from onething.cases import access, actions, durations, ports
from onething.cases.models import Application, Event, NoticeEntry, Task
from onething.cases.notices import notices
from onething.cases.routing import office_name
from onething.cases.service import CaseView, Submission, WalkIn
from onething.cases.states import (
    ACTION_NAMES,
    APP_STATUS_NAMES,
    TASK_STATUS_NAMES,
    AcceptanceDecision,
    Action,
    AppStatus,
    Channel,
    DeliveryMethod,
    TaskDecision,
    TaskStatus,
)
from onething.catalog.context import Ctx
from onething.catalog.privacy import masked_form
from onething.identity.models import User
from onething.kernel.db import MAX_INT
from onething.kernel.principal import Role

JSONDocument = dict[str, JsonValue]  # JSON kept on a row, answered as it is kept


class MaterialChoice(BaseModel):
    """How one material is provided: an uploaded file, a signed commitment, or 容缺."""

    file: str | None = Field(default=None, max_length=64, description="POST /api/v1/files 的 id")
    commitment: bool = Field(default=False, description="签署告知承诺代替（仅限允许的材料）")
    deferred: bool = Field(default=False, description="申请容缺，受理后补交（仅限非关键材料）")


class AssistedIn(BaseModel):
    """帮办：窗口为到场办事的申请人代为填报。"""

    name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    id_number: str = Field(max_length=18, description="申请人居民身份证号码")
    phone: str | None = Field(default=None, max_length=20, description="申请人联系电话")
    consent_file: str = Field(max_length=64, description=(
        "申请人签字确认的帮办授权书扫描件：窗口人员先 POST /api/v1/files 上传，再填该文件的 id"))

    def walk_in(self) -> WalkIn:
        return WalkIn(name=self.name, id_number=self.id_number, phone=self.phone,
                      consent_file=self.consent_file)


class ApplicationIn(BaseModel):
    bundle: str = Field(max_length=64)
    region: str = Field(pattern=r"^\d{6,12}$", description="受理地行政区划代码")
    answers: JSONDocument = Field(default_factory=dict)
    form: JSONDocument = Field(default_factory=dict)
    materials: dict[str, MaterialChoice] = Field(default_factory=dict)
    channel: Channel = Channel.api
    applicant: str | None = Field(default=None, max_length=64,
                                  description="代办或窗口代录时，申请人的用户名")
    assisted: AssistedIn | None = Field(default=None, description=(
        "帮办：窗口人员为到场办事、无需注册账号的申请人填报（与 applicant 二选一）"))

    def submission(self, idempotency_key: str | None) -> Submission:
        return Submission(
            bundle=self.bundle, region=self.region, answers=self.answers, form=self.form,
            materials={k: v.model_dump(exclude_defaults=True) for k, v in self.materials.items()},
            channel=self.channel, applicant=self.applicant, idempotency_key=idempotency_key,
            assisted=self.assisted.walk_in() if self.assisted else None)


class NoticeItem(BaseModel):
    subject: str = Field(default="", max_length=100, description="材料或字段代码，或“其他”")
    message: str = Field(max_length=500)

    def entry(self) -> NoticeEntry:
        return {"subject": self.subject, "message": self.message}


class AcceptanceIn(BaseModel):
    decision: AcceptanceDecision
    reason: str | None = Field(default=None, max_length=2000)
    notice: list[NoticeItem] = Field(default_factory=list, max_length=100)
    supplement_days: int | None = Field(default=None, ge=1, le=365)


class DecisionIn(BaseModel):
    action: TaskDecision
    version: int = Field(ge=1, le=MAX_INT, description="任务的当前版本（乐观并发控制）")
    reason: str | None = Field(default=None, max_length=2000)
    procedure: str | None = Field(default=None, max_length=20,
                                  description="特别程序（suspend 时必填）：听证/招标/拍卖/检验/"
                                              "检测/检疫/鉴定/专家评审")
    procedure_days: int | None = Field(default=None, ge=1, le=MAX_INT,
                                       description="特别程序预计所需工作日（suspend 时必填，"
                                                   "1–250）；申请人将收到书面告知")
    data: JSONDocument = Field(
        default_factory=dict, max_length=50,
        description="准予时：本事项办结产生的信息（表单字段代码 → 值，如银行账号），"
                    "按字段类型校验，填入申请表和电子证照；统一社会信用代码留空则自动赋码")


class WithdrawalIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class SupplementIn(BaseModel):
    materials: dict[str, MaterialChoice]


class DeliveryIn(BaseModel):
    method: DeliveryMethod
    tracking_number: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class TaskOut(BaseModel):
    id: int
    application_id: int
    item: str
    item_name: str
    stage: int
    department: str
    region: str
    office: str
    status: TaskStatus
    status_name: str
    promised_days: int
    legal_days: int
    opened_on: dt.date | None
    deadline: dt.date | None
    deadline_provisional: bool
    overdue: bool
    suspended_days: int
    suspension: JSONDocument | None
    decided_at: dt.datetime | None
    reason: str | None
    version: int
    auto_approved: bool = Field(False, description="是否由系统按秒批条件自动准予")
    auto_check: JSONDocument | None = Field(
        None, description="秒批比对结果：held（是否符合）、unmet（不符合的条件，转人工办理）、"
                          "facts（比对所依据的信息）；事项无秒批条件时为空")
    actions: list[Action] = Field(description="您现在可以对该事项采取的办理动作（如 approve、deny、"
                                              "suspend、resume），由事项状态、角色和范围决定")

    @classmethod
    def of(cls, ctx: Ctx, t: Task) -> TaskOut:
        status = TaskStatus(t.status)
        return cls(
            id=t.id, application_id=t.application_id, item=t.item_code, item_name=t.item_name,
            stage=t.stage, department=t.department_code, region=t.region_code,
            office=office_name(ctx.catalog, t.region_code, t.department_code),
            status=status, status_name=TASK_STATUS_NAMES[status],
            promised_days=t.promised_days, legal_days=t.legal_days, opened_on=t.opened_on,
            deadline=t.deadline, deadline_provisional=t.deadline_provisional,
            overdue=durations.overdue(t, ctx.today),
            suspended_days=t.suspended_days, suspension=_json(t.suspension),
            decided_at=t.decided_at, reason=t.reason, version=t.version,
            auto_approved=t.auto_approved, auto_check=_json(t.auto_check),
            actions=actions.of_task(ctx, t))


class EventOut(BaseModel):
    at: dt.datetime
    actor: str | None
    actor_role: Role
    action: Action
    action_name: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    task_id: int | None
    data: JSONDocument


class NoticeOut(BaseModel):
    """A written notice to the applicant (特别程序告知, 终止办理告知), as it was given."""

    title: str
    text: str
    at: dt.datetime
    task_id: int | None


class ApplicationSummary(BaseModel):
    id: int
    number: str
    bundle: str
    bundle_name: str
    status: AppStatus
    status_name: str
    channel: Channel
    region: str
    submitted_at: dt.datetime
    deadline: dt.date | None
    version: int

    @classmethod
    def of(cls, ctx: Ctx, a: Application) -> ApplicationSummary:
        bundle = ctx.catalog.bundles.get(a.bundle_code)
        status = AppStatus(a.status)
        return cls(id=a.id, number=a.number, bundle=a.bundle_code,
                   bundle_name=bundle.name if bundle else a.bundle_code, status=status,
                   status_name=APP_STATUS_NAMES[status], channel=Channel(a.channel),
                   region=a.region_code, submitted_at=a.submitted_at, deadline=a.deadline,
                   version=a.version)


class TicketRef(BaseModel):
    """A 12345 ticket about the case (no caller, no description)."""

    id: int
    number: str = Field(description="工单编号")
    kind_name: str = Field(description="诉求类型")
    category_name: str = Field(description="诉求分类")
    status_name: str = Field(description="工单状态")
    channel: str = Field(description="渠道（rating：好差评差评转入）")
    received_at: dt.datetime


class ApplicationOut(ApplicationSummary):
    catalog_version: str
    applicant: str
    submitted_by: str
    answers: JSONDocument
    form: JSONDocument
    materials: list[JSONDocument]
    promised_days: int
    deadline_provisional: bool
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery: JSONDocument | None
    deficient: bool
    supplement_due: dt.date | None
    supplemented_at: dt.datetime | None
    supplement_missed: bool
    notice: JSONDocument | None
    notices: list[NoticeOut]
    reason: str | None
    tasks: list[TaskOut]
    timeline: list[EventOut]
    assisted_consent: JSONDocument | None = Field(default=None, description=(
        "帮办：窗口代为填报时申请人签字确认书的文件（file、filename）和经办窗口人员（by）"))
    actions: list[Action] = Field(description=(
        "您现在可以对该办件采取的办理动作（如 accept、return、withdraw、supplement、deliver、"
        "rate），由办件状态、角色和范围决定；各事项的动作见 tasks[].actions"))
    tickets: list[TicketRef] = Field(default_factory=list, description=(
        "相关 12345 工单（填写了本办件编号的工单、好差评差评转入的投诉；不含保密举报）"))

    @classmethod
    def of_view(cls, ctx: Ctx, v: CaseView, full: bool = False) -> ApplicationOut:
        """`full`: personal values unmasked (see cases.access.sees_personal_data and
        cases.service.reveal_personal_data)."""
        a = v.application
        form = (a.form if full or access.sees_personal_data(ctx, a)
                else masked_form(a.form, ctx.catalog.fields))
        names = _names(ctx, {a.applicant_id, a.submitted_by_id,
                             *(e.actor_id for e in v.events if e.actor_id)})
        return cls(
            **ApplicationSummary.of(ctx, a).model_dump(), catalog_version=a.catalog_version,
            applicant=names.get(a.applicant_id, ""), submitted_by=names.get(a.submitted_by_id, ""),
            answers=_json(a.answers), form=_json(form),
            materials=[_json(m) for m in a.materials],
            promised_days=a.promised_days, deadline_provisional=a.deadline_provisional,
            accepted_at=a.accepted_at, completed_at=a.completed_at, delivered_at=a.delivered_at,
            delivery=_json(a.delivery), deficient=a.deficient, supplement_due=a.supplement_due,
            supplemented_at=a.supplemented_at, supplement_missed=a.supplement_missed,
            notice=_json(a.notice), notices=[NoticeOut(**n) for n in notices(v.events)],
            reason=a.reason, tasks=[TaskOut.of(ctx, t) for t in v.tasks],
            assisted_consent=_json(a.assisted_consent),
            timeline=[_event(e, names) for e in v.events],
            actions=actions.of_application(ctx, a, v.tasks),
            tickets=[TicketRef(**vars(t))
                     for t in ports.tickets().of_application(ctx, a.number)])


@overload
def _json(doc: Mapping[str, object]) -> JSONDocument: ...


@overload
def _json(doc: Mapping[str, object] | None) -> JSONDocument | None: ...


def _json(doc: Mapping[str, object] | None) -> JSONDocument | None:
    """A row's typed JSON, answered as it is kept."""
    return cast(JSONDocument | None, doc)


_NAMES = select(User.id, User.display_name).where(User.id.in_(bindparam("ids", expanding=True)))


def _names(ctx: Ctx, ids: set[int]) -> dict[int, str]:
    rows = ctx.session.execute(_NAMES, {"ids": sorted(ids)})
    return {user_id: name for user_id, name in rows}


def _event(e: Event, names: dict[int, str]) -> EventOut:
    return EventOut(at=e.at, actor=names.get(e.actor_id) if e.actor_id else None,
                    actor_role=e.actor_role, action=e.action,
                    action_name=ACTION_NAMES.get(e.action, e.action),
                    from_status=e.from_status, to_status=e.to_status, reason=e.reason,
                    task_id=e.task_id, data=e.data)


class LicenceOut(BaseModel):
    number: str
    licence_type: str
    name: str
    holder_name: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    application_id: int
    status: str = Field(description="valid 有效 · revoked 已撤销")
    status_name: str
    revoked_reason: str | None = Field(default=None, description="撤销的原因")
    revoked_at: dt.datetime | None = None
    holder_kind: Literal["applicant", "person", "company"] = Field(
        description="持证主体：applicant 本人、person 他人（如子女）、company 市场主体")
    holder_title: str = Field(description="持证主体的称谓：本人、子女、企业、个体工商户 …")
    holder_number: str | None = Field(
        description="持证主体的统一社会信用代码，或公民身份号码（部分隐藏）")
    data: JSONDocument = Field(
        description="该事项办结时产生的信息（表单字段代码 → 值，个人信息部分隐藏）")
