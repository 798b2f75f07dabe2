"""依申请公开 through HTTP: requests (online by the applicant, or recorded by a window or
the office), 补正, extension, consultation, the reply, withdrawal; the annual tables.
Thin: each route calls `disclosure.service` (or `report`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from onething.catalog.context import Ctx
from onething.disclosure import report, rules, service
from onething.disclosure.models import DisclosureRequest
from onething.files.models import StoredFile
from onething.http.deps import CtxDep
from onething.http.files import file_response
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["disclosure"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})

Text = Annotated[str, Field(max_length=service.TEXT_MAX + 1)]
Name = Annotated[str, Field(max_length=service.NAME_MAX + 1)]


class RequestIn(BaseModel):
    department: Annotated[str, Field(max_length=64, description="受理机关的部门代码")]
    region: Annotated[str, Field(max_length=12, description="受理机关所在行政区划代码")]
    description: Text = Field(description="所需政府信息的名称、文号或便于查询的其他特征")
    delivery: Annotated[str, Field(max_length=16, description="获取信息的方式："
                                   "online 在线、email 电子邮件、post 邮寄、pickup 当面领取")]
    applicant_type: Annotated[str, Field(max_length=16, description=(
        "person 自然人、business 商业企业、research 科研机构、charity 社会公益组织、"
        "legal 法律服务机构、other 其他"))] = "person"
    applicant_name: Name = Field("", description="申请人姓名或名称（网上申请留空为账号姓名）")
    contact: Name = Field("", description="联系方式（地址、电话或电子邮箱）")
    channel: Annotated[str, Field(max_length=16, description=(
        "工作人员登记：post 信函、in_person 当面；申请人网上申请为 online"))] = "online"
    received_on: dt.date | None = Field(None, description="工作人员登记：机关收到申请的日期")


class StepOut(BaseModel):
    move: str
    on: dt.date
    note: str


class RequestOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    office: str
    department: str
    region: str
    applicant_name: str
    applicant_type: str
    contact: str
    channel: str
    delivery: str
    description: str
    received_on: dt.date
    clock_start_on: dt.date = Field(description="计时起点：收到申请或补正之日")
    due_on: dt.date = Field(description="答复期限（20 个工作日，加征求第三方意见的天数）")
    extended_due_on: dt.date | None = Field(description="延期后的答复期限")
    paused_days: int
    correction_asked_on: dt.date | None
    correction_note: str | None
    correction_due_on: dt.date | None
    corrected_on: dt.date | None
    extension_days: int
    extension_reason: str | None
    extension_approver: str | None
    third_party: str | None
    consult_due_on: dt.date | None
    consult_opinion: str | None
    reply_kind: str | None
    reply_name: str | None
    reply: dict[str, str] | None
    redress: str | None
    document: bool
    fee_mode: str
    fee_pages: int | None
    fee_yuan: int
    closed_on: dt.date | None
    lapsed: bool
    actions: list[str]
    steps: list[StepOut]

    @classmethod
    def of(cls, ctx: Ctx, r: DisclosureRequest, full: bool = True) -> RequestOut:
        return cls(
            id=r.id, number=r.number, status=r.status.value,
            status_name=rules.STATUS_NAMES[r.status], office=service.office_of(ctx, r),
            department=r.department_code, region=r.region_code,
            applicant_name=r.applicant_name, applicant_type=r.applicant_type.value,
            contact=service.contact_shown(ctx, r), channel=r.channel.value,
            delivery=r.delivery.value, description=r.description,
            received_on=r.received_on, clock_start_on=r.clock_start_on, due_on=r.due_on,
            extended_due_on=r.extended_due_on, paused_days=r.paused_days,
            correction_asked_on=r.correction_asked_on, correction_note=r.correction_note,
            correction_due_on=r.correction_due_on, corrected_on=r.corrected_on,
            extension_days=r.extension_days, extension_reason=r.extension_reason,
            extension_approver=r.extension_approver, third_party=r.third_party,
            consult_due_on=r.consult_due_on, consult_opinion=r.consult_opinion,
            reply_kind=r.reply_kind.value if r.reply_kind else None,
            reply_name=rules.REPLY_NAMES[r.reply_kind] if r.reply_kind else None,
            reply=r.reply, redress=r.redress, document=r.document_id is not None,
            fee_mode=r.fee_mode.value, fee_pages=r.fee_pages, fee_yuan=r.fee_yuan,
            closed_on=r.closed_on, lapsed=r.lapsed,
            actions=[m.value for m in service.actions(ctx, r)],
            steps=[StepOut(move=s.move, on=s.on, note=s.note)
                   for s in service.steps(ctx, r)] if full else [])


class CorrectionAskIn(BaseModel):
    note: Text = Field(description="需要补正的内容：哪些不明确")


class CorrectionIn(BaseModel):
    text: Text = Field(description="补正的内容")
    on: dt.date | None = Field(None, description="受理机关登记信函补正：收到补正的日期")


class ExtensionIn(BaseModel):
    days: int = Field(ge=0, le=1000, description="延长的工作日数（至多 20）")
    reason: Text
    approver: Name = Field(description="批准延期的信息公开工作机构负责人")


class ConsultIn(BaseModel):
    third_party: Name = Field(description="征求意见的第三方")


class OpinionIn(BaseModel):
    opinion: Text = Field(description="第三方的意见；逾期未答复的写明")


class ReplyIn(BaseModel):
    kind: Annotated[str, Field(max_length=16, description=(
        "proactive 已主动公开、disclose 予以公开、partial 部分公开、refuse 不予公开、"
        "not_exist 信息不存在、not_ours 非本机关负责公开、duplicate 重复申请、"
        "not_processed 不予处理"))]
    parts: dict[Annotated[str, Field(max_length=32)], Text] = Field(
        default_factory=dict, max_length=10, description=(
            "how_to_obtain 获取方式、withheld 不予公开的部分、reason 理由（检索情况、此前的答复）、"
            "basis 法律依据、responsible_body 负责公开的机关"))
    redress: Text = Field(description="救济途径：行政复议 60 日、行政诉讼 6 个月")
    document: Annotated[str | None, Field(max_length=32, description="附件（已上传文件的编号）")
                        ] = None
    fee_mode: Annotated[str, Field(max_length=16, description="none 不收费、requests 按件、"
                                   "pages 按量")] = "none"
    pages: int | None = Field(None, ge=0, le=1_000_000)


class ReportOut(BaseModel):
    year: int
    scope: str
    rows: list[list[str]] = Field(description="行：[代码, 名称]")
    columns: list[list[str]] = Field(description="列：[申请人类型代码, 名称]，最后为总计")
    cells: dict[str, dict[str, int]]
    figures: dict[str, int] = Field(description=(
        "replied 本年答复数、on_time 其中按期答复数、open 未办结数、late 其中已逾期数"))


def _out(ctx: CtxDep, disclosure_id: int) -> RequestOut:
    with ctx.reading() as read:
        return RequestOut.of(read, service.get(read, disclosure_id))


@router.post("/disclosure-requests", response_model=RequestOut, status_code=201,
             summary="提交（登记）政府信息公开申请")
def submit(body: RequestIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        made = service.submit(ctx, service.RequestInput(**body.model_dump())).id
    return _out(ctx, made)


@router.get("/disclosure-requests", response_model=list[RequestOut],
            summary="政府信息公开申请：受理机关按答复期限排列，申请人为本人的")
def listed(ctx: CtxDep, open_only: bool = False,
           limit: Annotated[int, Query(ge=1, le=200)] = 50,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[RequestOut]:
    return [RequestOut.of(ctx, r, full=False)
            for r in service.listed(ctx, open_only, limit, offset)]


@router.get("/disclosure-requests/{disclosure_id}", response_model=RequestOut,
            summary="一件政府信息公开申请，含可采取的动作和办理过程")
def one(disclosure_id: Id, ctx: CtxDep) -> RequestOut:
    return RequestOut.of(ctx, service.get(ctx, disclosure_id))


@router.get("/disclosure-requests/{disclosure_id}/document", response_class=FileResponse,
            summary="答复的附件")
def document(disclosure_id: Id, request: Request, ctx: CtxDep) -> FileResponse:
    r = service.get(ctx, disclosure_id)
    row = ctx.session.get(StoredFile, r.document_id) if r.document_id else None
    if row is None:
        raise NotFound("该答复没有附件", code="file_not_found")
    return file_response(request.app.state.settings.data_dir, row)


@router.post("/disclosure-requests/{disclosure_id}/correction-request",
             response_model=RequestOut, summary="告知补正（收到申请之日起 7 个工作日内，一次）")
def ask_correction(disclosure_id: Id, body: CorrectionAskIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.ask_correction(ctx, disclosure_id, body.note)
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/correction", response_model=RequestOut,
             summary="补正（答复期限自收到补正之日起重新计算）")
def correct(disclosure_id: Id, body: CorrectionIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.correct(ctx, disclosure_id, body.text, body.on)
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/extension", response_model=RequestOut,
             summary="延期答复（一次，至多 20 个工作日）")
def extend(disclosure_id: Id, body: ExtensionIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.extend(ctx, disclosure_id, body.days, body.reason, body.approver)
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/consultation", response_model=RequestOut,
             summary="征求第三方意见（不计入答复期限，第三方 15 个工作日）")
def consult(disclosure_id: Id, body: ConsultIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.consult(ctx, disclosure_id, body.third_party)
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/consultation-reply",
             response_model=RequestOut, summary="登记第三方意见")
def consulted(disclosure_id: Id, body: OpinionIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.consulted(ctx, disclosure_id, body.opinion)
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/reply", response_model=RequestOut,
             summary="答复（条例第三十六条的类型，写明其必备内容和救济途径）")
def reply(disclosure_id: Id, body: ReplyIn, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.reply(ctx, disclosure_id, service.ReplyInput(**body.model_dump()))
    return _out(ctx, disclosure_id)


@router.post("/disclosure-requests/{disclosure_id}/withdrawal", response_model=RequestOut,
             summary="撤回申请（申请人）")
def withdraw(disclosure_id: Id, ctx: CtxDep) -> RequestOut:
    with ctx.work():
        service.withdraw(ctx, disclosure_id)
    return _out(ctx, disclosure_id)


@router.get("/disclosure-report", response_model=ReportOut,
            summary="政府信息公开工作年度报告：收到和处理政府信息公开申请情况")
def annual(ctx: CtxDep, year: Annotated[int, Query(ge=2000, le=2100)],
           region: Annotated[str | None, Query(max_length=12)] = None) -> ReportOut:
    t = report.annual(ctx, year, region)
    return ReportOut(year=t.year, scope=t.scope, rows=[list(r) for r in report.ROWS],
                     columns=[list(c) for c in report.COLUMNS], cells=t.cells,
                     figures=t.figures)
