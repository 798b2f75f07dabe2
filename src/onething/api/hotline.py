"""12345 tickets through HTTP: taken by an operator (or sent in online by a citizen),
dispatched, signed, handled, replied, reviewed, called back and evaluated; each move a
`POST /api/v1/tickets/{id}/<move>`, and `actions` on a ticket naming the moves the caller
may take now."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onething.catalog.context import Ctx
from onething.hotline import reference, rules
from onething.hotline import service as hotline
from onething.hotline.models import Ticket
from onething.http.deps import (
    CatalogDep,
    CtxDep,
    PagingDep,
    SessionDep,
    request_ctx,
    tracking_guesser,
)
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.db import MAX_INT
from onething.kernel.principal import SYSTEM
from onething.ratings import guesses

router = APIRouter(prefix="/api/v1", tags=["hotline"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})

KINDS = "enquiry 咨询 · help 求助 · complaint 投诉 · report 举报 · suggestion 建议 · praise 表扬"


class TicketIn(BaseModel):
    channel: Literal["phone", "web", "mobile", "open311", "email", "rating"] = Field(
        default="phone", description="渠道：phone 电话 · web 网站 · mobile 移动端 · "
                                     "open311 · email 电子邮件 · rating 好差评"
                                     "（群众在线提交：web 或 mobile）")
    kind: str = Field(max_length=16, description=f"诉求类型：{KINDS}")
    category: str = Field(max_length=16,
                          description="诉求分类代码（末级），见 /api/v1/ticket-categories")
    urgency: str = Field(default="normal", max_length=16, description="normal 普通 · urgent 紧急")
    region: str = Field(max_length=12, description="诉求发生地（行政区划代码）")
    address: str | None = Field(default=None, max_length=400, description="详细地址")
    lat: float | None = Field(default=None, ge=-90, le=90, description="纬度（可选，须在本省内）")
    long: float | None = Field(default=None, ge=-180, le=180, description="经度（可选）")
    caller_name: str = Field(max_length=100, description="来电人（诉求人）姓名")
    caller_phone: str = Field(max_length=40, description="联系电话")
    confidential: bool = Field(default=False, description="举报人要求保密：对承办单位隐藏来电人")
    description: str = Field(max_length=8000, description="诉求内容（4000 字以内）")
    attachments: list[str] = Field(default_factory=list, max_length=20,
                                   description="附件：已上传文件的编号（/api/v1/files）")
    application_number: str | None = Field(default=None, max_length=64,
                                           description="相关办件编号（如有）")
    received_at: dt.datetime | None = Field(
        default=None, description="来电时间（话务系统给出；不填为现在；群众提交时忽略）")
    parent: int | None = Field(default=None, ge=1, le=MAX_INT, description="并单：并入的主工单编号")


class OfficeIn(BaseModel):
    department: str = Field(max_length=32, description="部门代码")
    region: str = Field(max_length=12, description="所在行政区划代码")


class DispatchIn(BaseModel):
    host: OfficeIn | None = Field(default=None, description="主办单位；不填按派单目录建议")
    assist: list[OfficeIn] | None = Field(default=None, max_length=10, description="协办单位")
    note: str | None = Field(default=None, max_length=2000)


class TextIn(BaseModel):
    text: str = Field(max_length=4000, description="内容")


class NoteIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000, description="说明（可选）")


class ReasonIn(BaseModel):
    reason: str = Field(max_length=4000, description="理由")


class AnswerIn(BaseModel):
    answer: str = Field(max_length=4000, description="答复内容")
    article: str | None = Field(default=None, max_length=64, description="所用知识库条目（可选）")


class TransferIn(BaseModel):
    line: str = Field(max_length=8, description="110 · 119 · 120 · 122")
    note: str | None = Field(default=None, max_length=2000)


class RedirectIn(BaseModel):
    way: str = Field(max_length=32, description="litigation 诉讼 · reconsideration 行政复议 · "
                                                "petition 信访 · disclosure 政府信息公开申请")
    note: str | None = Field(default=None, max_length=2000)


class CallbackIn(BaseModel):
    satisfaction: str = Field(max_length=16, description="satisfied 满意 · basic 基本满意 · "
                                                         "unsatisfied 不满意")
    fault: str | None = Field(default=None, max_length=16, description=(
        "不满意的原因归属：office 承办单位原因（重办）· objective 客观原因"))
    reason: str | None = Field(default=None, max_length=2000, description="不满意的原因")


class EvaluateIn(BaseModel):
    score: int = Field(description="评价：1 至 5 分")
    note: str | None = Field(default=None, max_length=2000)


class ExtendIn(BaseModel):
    days: int = Field(description="延期的工作日数（1 至 30）")
    reason: str = Field(max_length=2000, description="延期理由")


class ExtensionDecisionIn(BaseModel):
    approved: bool = Field(description="是否同意延期")
    note: str | None = Field(default=None, max_length=2000)


class TrackIn(BaseModel):
    number: str = Field(max_length=64, description="工单编号")
    phone: str = Field(max_length=40, description="提交诉求时留的电话")


class OfficeOut(BaseModel):
    department: str
    region: str
    name: str
    host: bool = Field(description="主办（true）或协办（false）")
    signed_at: dt.datetime | None = None
    returned_reason: str | None = Field(default=None, description="退单理由（如有）")
    opinion: str | None = Field(default=None, description="协办意见（协办单位提交；群众不可见）")
    opinion_at: dt.datetime | None = None


class MergeIn(BaseModel):
    parent: int = Field(ge=1, le=MAX_INT, description="并入的主工单（id）")


class TicketRefOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    received_at: dt.datetime
    address: str | None = None


class StepOut(BaseModel):
    at: dt.datetime
    move: str
    move_name: str
    by: str
    note: str


class LimitOut(BaseModel):
    due_at: dt.datetime | None
    source: str | None = Field(description="时限的依据")
    overdue: bool


class TicketOut(BaseModel):
    id: int
    number: str = Field(description="工单编号（全省唯一）")
    channel: str
    kind: str
    kind_name: str
    category: str
    category_name: str
    urgency: str
    status: str = Field(description="submitted 待受理 · accepted 已受理 · answered 直接答复 · "
                                    "transferred 转办 · redirected 告知其他途径 · "
                                    "dispatched 待签收 · "
                                    "disputed 退单待审核 · handling 办理中 · replied 待审核 · "
                                    "closed 办结 · visited 已回访 · evaluated 已评价")
    status_name: str
    centre_region: str = Field(description="受理的热线中心（所在行政区划）")
    region: str
    address: str | None
    lat: float | None
    long: float | None
    caller_name: str | None = Field(description="对话务员和本人完整显示；对承办单位部分隐藏，"
                                                "保密举报不显示")
    caller_phone: str | None
    confidential: bool
    description: str
    attachments: list[str]
    application_number: str | None
    parent: int | None = Field(description="并单：本工单并入的主工单（id）")
    parent_number: str | None = Field(default=None, description="主工单编号")
    children: list[TicketRefOut] | None = Field(
        default=None, description="并入本工单的重复工单（单张工单时给出；列表中为 null）")
    similar: list[TicketRefOut] | None = Field(
        default=None, description="疑似重复的未办结工单（同一分类、同一地点、时间窗口内），"
                                  "供话务员并单；仅话务员在并单前看到，列表中为 null")
    source: dict[str, Any] | None = Field(
        default=None, description="非来电产生的工单的来源，如好差评差评 "
                                  "{kind: rating, id: 评价编号, rectification_id: 整改编号}")
    received_at: dt.datetime
    sign_due_at: dt.datetime | None = Field(description="签收期限")
    reply_due_at: dt.datetime | None = Field(description="答复期限（延期、重办后更新）")
    sign: LimitOut
    reply_limit: LimitOut
    offices: list[OfficeOut] = Field(description="承办单位：主办、协办")
    suggested_office: OfficeOut | None = Field(description="派单目录建议的主办单位（仅话务员可见）")
    outcome: dict[str, Any]
    reply: str | None = Field(description="答复内容")
    returns: int = Field(description="退回承办单位的次数（审核退回、重办）")
    escalated: bool = Field(description="已转督办")
    extension: dict[str, Any] | None
    callback: dict[str, Any] | None = Field(description="回访结果")
    evaluation: dict[str, Any] | None
    timeline: list[StepOut]
    actions: list[str] = Field(description="您现在可以采取的动作，各为 POST /api/v1/tickets/{id}/"
                                           "<动作>（下划线写作连字符）")

    @classmethod
    def of(cls, ctx: Ctx, t: Ticket, detail: bool = False) -> TicketOut:
        """`detail`: one ticket, with its duplicates and the candidate parents."""
        data = reference.in_force()
        category = data.categories.get(t.category_code)
        name, phone = hotline.caller(ctx, t)
        over = hotline.overdue(t, ctx.now)
        opinions = hotline.sees_opinions(ctx)
        offices = [OfficeOut(department=a.department_code, region=a.region_code,
                             name=hotline.office_name(ctx, a.department_code, a.region_code),
                             host=a.host, signed_at=a.signed_at,
                             returned_reason=a.returned_reason,
                             opinion=a.opinion if opinions else None,
                             opinion_at=a.opinion_at if opinions else None)
                   for a in hotline.assignments(ctx, t)]
        suggested = None
        if hotline.is_centre(ctx, t):
            s = hotline.suggestion(ctx, t)
            suggested = OfficeOut(department=s.host.department, region=s.host.region,
                                  name=hotline.office_name(ctx, s.host.department,
                                                           s.host.region), host=True)
        return cls(
            id=t.id, number=t.number, channel=t.channel.value, kind=t.kind.value,
            kind_name=rules.KIND_NAMES[t.kind], category=t.category_code,
            category_name=category.name if category else t.category_code,
            urgency=t.urgency.value, status=t.status.value,
            status_name=rules.STATUS_NAMES[t.status], centre_region=t.centre_region,
            region=t.region_code, address=t.address, lat=t.lat, long=t.long,
            caller_name=name, caller_phone=phone, confidential=t.confidential,
            description=t.description, attachments=t.attachments,
            application_number=t.application_number, parent=t.parent_id,
            parent_number=(t.outcome or {}).get("parent") if t.parent_id else None,
            children=[_ref(c) for c in hotline.children(ctx, t)] if detail else None,
            similar=[_ref(c) for c in hotline.similar(ctx, t)] if detail else None,
            source=({"kind": t.source_kind, "id": t.source_id,
                     "rectification_id": t.rectification_id} if t.source_kind else None),
            received_at=t.received_at, sign_due_at=t.sign_due_at, reply_due_at=t.reply_due_at,
            sign=LimitOut(due_at=t.sign_due_at, source=t.sign_source, overdue=over["sign"]),
            reply_limit=LimitOut(due_at=t.reply_due_at, source=t.reply_source,
                                 overdue=over["reply"]),
            offices=offices, suggested_office=suggested, outcome=t.outcome, reply=t.reply,
            returns=t.returns, escalated=t.escalated, extension=t.extension,
            callback=t.callback, evaluation=t.evaluation,
            timeline=[_step(s) for s in t.timeline], actions=hotline.actions(ctx, t))


def _ref(t: Ticket | hotline.Candidate) -> TicketRefOut:
    return TicketRefOut(id=t.id, number=t.number, status=t.status.value,
                        status_name=rules.STATUS_NAMES[t.status], received_at=t.received_at,
                        address=t.address)


def _step(s: Any) -> StepOut:
    move = s["move"]
    return StepOut(at=dt.datetime.fromisoformat(s["at"]), move=move,
                   move_name=rules.STEP_NAMES.get(move, move), by=s["by"], note=s["note"])


class TrackOut(BaseModel):
    number: str
    kind_name: str
    category_name: str
    status_name: str
    received_at: dt.datetime
    reply_due_at: dt.datetime | None
    reply: str | None = Field(description="办结后的答复内容")
    steps: list[StepOut] = Field(description="办理进度（不含经办人）")


class CategoryOut(BaseModel):
    code: str
    name: str
    parent: str | None
    leaf: bool
    open311: bool


@router.get("/ticket-categories", response_model=list[CategoryOut], summary="12345 诉求分类")
def categories() -> list[CategoryOut]:
    return [CategoryOut(code=c.code, name=c.name, parent=c.parent, leaf=c.leaf,
                        open311=c.open311) for c in reference.in_force().categories.values()]


@router.post("/tickets", response_model=TicketOut, status_code=201,
             summary="受理工单（话务员）或在线提交诉求（群众）")
def create(body: TicketIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():  # answered before the commit, on the same connection
        return TicketOut.of(ctx, hotline.create(ctx, hotline.TicketInput(**body.model_dump())),
                            detail=True)


@router.get("/tickets", response_model=list[TicketOut],
            summary="工单列表（中心：本中心的；承办单位：待办；效能监察：本地区的；群众：本人的）")
def listing(
        ctx: CtxDep, paging: PagingDep,
        status: Annotated[str | None, Query(max_length=16, description="状态或 open")] = None,
        kind: Annotated[str | None, Query(max_length=16)] = None,
        category: Annotated[str | None, Query(max_length=16, description="分类（含下级）")] = None,
        escalated: Annotated[bool | None, Query(description="只看督办的")] = None,
        ) -> list[TicketOut]:
    query = hotline.listing(ctx, status=status, kind=kind, category=category,
                            escalated=escalated)
    page = list(ctx.session.scalars(query.limit(paging.limit).offset(paging.offset)))
    return [TicketOut.of(ctx, t) for t in hotline.preload(ctx, page)]


@router.post("/tickets/tracking", response_model=TrackOut,
             responses={429: {"model": ProblemOut}},
             summary="凭工单编号和电话查询办理进度（无需登录；多次输错将暂时锁定）")
def track(body: TrackIn, request: Request, session: SessionDep,
          catalog: CatalogDep) -> TrackOut:
    ctx = request_ctx(request, session, catalog, SYSTEM)
    with guesses.counted(session, request.app.state.writer_sessions, tracking_guesser(request)):
        t = hotline.track(ctx, body.number, body.phone)
    category = reference.in_force().categories.get(t.category_code)
    ended = t.status in (rules.Status.closed, rules.Status.visited, rules.Status.evaluated,
                         rules.Status.answered) or (t.status == rules.Status.merged
                                                    and t.closed_at is not None)
    return TrackOut(number=t.number, kind_name=rules.KIND_NAMES[t.kind],
                    category_name=category.name if category else t.category_code,
                    status_name=rules.STATUS_NAMES[t.status], received_at=t.received_at,
                    reply_due_at=t.reply_due_at, reply=t.reply if ended else None,
                    steps=[_step({**s, "by": "", "note": s["note"] if s["move"] in (
                        "answer", "transfer", "redirect", "merge") else ""}) for s in t.timeline])


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="一张工单")
def one(ticket_id: Id, ctx: CtxDep) -> TicketOut:
    return TicketOut.of(ctx, hotline.get(ctx, ticket_id), detail=True)


def _moved(ctx: Ctx, t: Ticket) -> TicketOut:
    return TicketOut.of(ctx, t, detail=True)


def _offices(body: DispatchIn) -> tuple[hotline.OfficeInput | None,
                                        list[hotline.OfficeInput] | None]:
    host = hotline.OfficeInput(**body.host.model_dump()) if body.host else None
    assist = ([hotline.OfficeInput(**o.model_dump()) for o in body.assist]
              if body.assist is not None else None)
    return host, assist


@router.post("/tickets/{ticket_id}/accept", response_model=TicketOut, summary="受理在线诉求")
def accept(ticket_id: Id, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.accept(ctx, ticket_id)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/answer", response_model=TicketOut, summary="直接答复并办结")
def answer(ticket_id: Id, body: AnswerIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.answer(ctx, ticket_id, body.answer, body.article)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketOut,
             summary="转办 110、119、120、122")
def transfer(ticket_id: Id, body: TransferIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.transfer(ctx, ticket_id, body.line, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/redirect", response_model=TicketOut,
             summary="告知其他途径（诉讼、复议、信访、信息公开）")
def redirect(ticket_id: Id, body: RedirectIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.redirect(ctx, ticket_id, body.way, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/dispatch", response_model=TicketOut,
             summary="派单（主办、协办单位；不填按派单目录）")
def dispatch(ticket_id: Id, body: DispatchIn, ctx: CtxDep) -> TicketOut:
    host, assist = _offices(body)
    with ctx.work():
        t = hotline.dispatch(ctx, ticket_id, host, assist, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/sign", response_model=TicketOut, summary="承办单位签收")
def sign(ticket_id: Id, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.sign(ctx, ticket_id)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/return", response_model=TicketOut, summary="退单（说明理由）")
def give_back(ticket_id: Id, body: ReasonIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.give_back(ctx, ticket_id, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/reassign", response_model=TicketOut, summary="退单后改派")
def reassign(ticket_id: Id, body: DispatchIn, ctx: CtxDep) -> TicketOut:
    host, assist = _offices(body)
    with ctx.work():
        t = hotline.reassign(ctx, ticket_id, host, assist, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/overrule", response_model=TicketOut,
             summary="驳回退单（原单位签收办理）")
def overrule(ticket_id: Id, body: ReasonIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.overrule(ctx, ticket_id, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/reply", response_model=TicketOut, summary="承办单位答复")
def reply(ticket_id: Id, body: TextIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.reply(ctx, ticket_id, body.text)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/approve", response_model=TicketOut, summary="审核通过，办结")
def approve(ticket_id: Id, body: NoteIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.approve(ctx, ticket_id, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/send-back", response_model=TicketOut,
             summary="审核退回承办单位重新办理")
def send_back(ticket_id: Id, body: ReasonIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.send_back(ctx, ticket_id, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/callback", response_model=TicketOut,
             summary="回访（不满意且属承办单位原因的重办）")
def callback(ticket_id: Id, body: CallbackIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.callback(ctx, ticket_id, body.satisfaction, body.fault, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/evaluate", response_model=TicketOut, summary="登记评价")
def evaluate(ticket_id: Id, body: EvaluateIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.evaluate(ctx, ticket_id, body.score, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/extend", response_model=TicketOut, summary="承办单位申请延期")
def extend(ticket_id: Id, body: ExtendIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.extend(ctx, ticket_id, body.days, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/decide-extension", response_model=TicketOut,
             summary="中心审批延期")
def decide_extension(ticket_id: Id, body: ExtensionDecisionIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.decide_extension(ctx, ticket_id, body.approved, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/urge", response_model=TicketOut, summary="催办")
def urge(ticket_id: Id, body: NoteIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.urge(ctx, ticket_id, body.note)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut,
             summary="并单：把重复工单并入未办结的主工单（派单前；主工单办结时一并答复）")
def merge(ticket_id: Id, body: MergeIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.merge(ctx, ticket_id, body.parent)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/unmerge", response_model=TicketOut,
             summary="取消并单（主工单办结前，说明理由）：工单回到已受理，单独办理")
def unmerge(ticket_id: Id, body: ReasonIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.unmerge(ctx, ticket_id, body.reason)
    return _moved(ctx, t)


@router.post("/tickets/{ticket_id}/assist", response_model=TicketOut,
             summary="协办单位提交协办意见（供主办单位参考）")
def assist(ticket_id: Id, body: TextIn, ctx: CtxDep) -> TicketOut:
    with ctx.work():
        t = hotline.give_opinion(ctx, ticket_id, body.text)
    return _moved(ctx, t)
