"""The intermediary market (中介服务超市) through HTTP: the public lists of intermediaries and
projects with their results and draw records; 入驻 and its check; projects, bids, the
selection, contract, delivery, rating and complaints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, CtxDep, MaybePrincipalDep, SessionDep, request_ctx
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.intermediaries import reading, rules
from onething.intermediaries import service as market
from onething.intermediaries.models import AgencyComplaint, AgencyProject, Intermediary
from onething.kernel.errors import Forbidden, NotFound
from onething.kernel.privacy import Personal, mask

router = APIRouter(prefix="/api/v1", tags=["intermediaries"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})
SERVICES = "、".join(f"{s.value} {n}" for s, n in rules.AGENCY_SERVICE_NAMES.items())
ServiceCode = Annotated[str, Field(max_length=32, description=f"中介服务类别：{SERVICES}")]


class JoinIn(BaseModel):
    uscc: str = Field(max_length=18, description="企业的统一社会信用代码（您须为其法定代表人）")
    services: list[ServiceCode] = Field(max_length=11, description="提供的中介服务类别")
    regions: list[Annotated[str, Field(pattern=r"^\d{6,12}$")]] = Field(
        max_length=50, description="服务区域（行政区划代码，含下级）")
    qualifications: str = Field(max_length=2000, description="资质证书名称和编号")
    phone: str = Field(max_length=20, description="联系电话")


class ReviewIn(BaseModel):
    approve: bool = Field(description="true 准予入驻 · false 不予入驻")
    note: str = Field(default="", max_length=2000, description="审核意见（不予入驻须说明理由）")


class AgencyOut(BaseModel):
    id: int
    uscc: str
    name: str
    region: str
    services: list[str]
    service_names: list[str]
    service_regions: list[str]
    qualifications: str
    phone: str = Field(description="联系电话：对本机构代表人和管理员完整显示，其他人部分隐藏")
    status: str = Field(description="pending 待审核 · approved 已入驻 · rejected 未通过")
    status_name: str
    applied_on: dt.date
    due_on: dt.date = Field(description="入驻审核应于此日（含）前完成")
    review_note: str | None
    credit_score: int = Field(description="信用分：基础分 100，评价和成立的投诉增减")

    @classmethod
    def of(cls, ctx: Ctx | None, a: Intermediary) -> AgencyOut:
        full = ctx is not None and (ctx.actor.user_id == a.representative_id
                                    or rules.reviews(ctx.actor))
        return cls(id=a.id, uscc=a.uscc, name=a.name, region=a.region_code,
                   services=a.services,
                   service_names=[market.service_name(s) for s in a.services],
                   service_regions=a.service_regions, qualifications=a.qualifications,
                   phone=a.contact_phone if full else mask(a.contact_phone, Personal.phone),
                   status=a.status.value, status_name=rules.AGENCY_STATUS_NAMES[a.status],
                   applied_on=a.applied_on, due_on=a.due_on, review_note=a.review_note,
                   credit_score=a.credit_score)


class ProjectIn(BaseModel):
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000, description="服务内容和要求")
    service: ServiceCode
    region: str = Field(default="", max_length=12,
                        description="项目所在地（部门项目为本部门所在地区）")
    budget: Decimal = Field(description="预算（元）")
    funding: Literal["public", "own"] = Field(description="public 财政性资金 · own 自有资金")
    method: Literal["direct", "random", "bidding", "merit"] = Field(
        description="direct 直接选取 · random 随机抽取 · bidding 竞价 · merit 择优")
    deadline: dt.date = Field(description="报名（报价）截止日期")
    material: str | None = Field(default=None, max_length=64,
                                 description="需要该中介报告的办事材料代码（可选）")


class BidIn(BaseModel):
    agency: str = Field(max_length=18, description="报价机构的统一社会信用代码")
    price: Decimal = Field(description="报价（元）")
    proposal: str = Field(max_length=5000, description="服务方案")


class SelectionIn(BaseModel):
    agency: str | None = Field(default=None, max_length=18,
                               description="直接选取：所选机构的统一社会信用代码")
    scores: dict[str, int] = Field(default_factory=dict,
                                   description="择优：各报价机构（统一社会信用代码）的评分 0–100")


class ContractIn(BaseModel):
    number: str = Field(max_length=64, description="合同编号")
    price: Decimal = Field(description="合同金额（元）")


class DeliveryIn(BaseModel):
    note: str = Field(max_length=2000, description="交付的成果（报告名称、编号等）")


class RatingIn(BaseModel):
    score: int = Field(description="1–5 星")
    comment: str = Field(default="", max_length=1000)


class ComplaintIn(BaseModel):
    reason: str = Field(max_length=2000)


class DecisionIn(BaseModel):
    upheld: bool = Field(description="true 投诉成立（扣减信用分）· false 不成立")
    answer: str = Field(max_length=2000, description="处理意见")


class BidOut(BaseModel):
    agency: str
    agency_name: str
    price: Decimal
    score: int | None


class ProjectOut(BaseModel):
    id: int
    title: str
    description: str
    service: str
    service_name: str
    region: str
    budget: Decimal
    funding: str
    funding_name: str
    method: str
    method_name: str
    deadline: dt.date
    buyer: str = Field(description="采购人：部门（办公室）或个人")
    material: str | None
    status: str = Field(description="open 征集中 · frozen 待抽取 · selected 已选定 · "
                                    "contracted 已签约 · delivered 已交付 · closed 已评价 · "
                                    "failed 选取失败")
    status_name: str
    failure: str | None = Field(description="选取失败的原因")
    bid_count: int
    bids: list[BidOut] = Field(description="选取后公开的各家报价")
    selected: str | None = Field(description="选定机构的统一社会信用代码")
    selected_name: str | None
    price: Decimal | None
    contract_number: str | None
    delivery_note: str | None
    rating: int | None
    draw: dict[str, Any] | None = Field(description=(
        "摇号记录：封存后公布名单、名单哈希和种子承诺；抽取后为完整记录（可用 onething draw "
        "verify 验证）"))
    actions: list[str] = Field(description="您现在可以采取的动作：bid 报价 · close 封存候选名单 · "
                                           "select 选取 · contract 签约 · deliver 交付 · "
                                           "rate 评价 · complain 投诉")

    @classmethod
    def of(cls, ctx: Ctx | None, session: Any, p: AgencyProject) -> ProjectOut:
        chosen = reading.selected(session, p)
        return cls(
            id=p.id, title=p.title, description=p.description, service=p.service,
            service_name=market.service_name(p.service), region=p.region_code,
            budget=p.budget, funding=p.funding.value,
            funding_name=rules.FUNDING_NAMES[p.funding], method=p.method.value,
            method_name=rules.METHOD_NAMES[p.method], deadline=p.deadline,
            buyer=p.buyer_name, material=p.material_code, status=p.status.value,
            status_name=rules.PROJECT_STATUS_NAMES[p.status], failure=p.failure,
            bid_count=reading.bid_count(session, p),
            bids=[BidOut(agency=line.agency.uscc, agency_name=line.agency.name,
                         price=line.bid.price, score=line.bid.score)
                  for line in reading.bids(session, p)],
            selected=chosen.uscc if chosen else None,
            selected_name=chosen.name if chosen else None, price=p.price,
            contract_number=p.contract_number, delivery_note=p.delivery_note,
            rating=p.rating, draw=reading.published_draw(p),
            actions=market.actions(ctx, p) if ctx is not None else [])


class ComplaintOut(BaseModel):
    id: int
    project_id: int
    agency: str
    reason: str
    upheld: bool | None
    answer: str | None

    @classmethod
    def of(cls, session: Any, c: AgencyComplaint) -> ComplaintOut:
        agency = session.get(Intermediary, c.intermediary_id)
        return cls(id=c.id, project_id=c.project_id, agency=agency.name, reason=c.reason,
                   upheld=c.upheld, answer=c.answer)


def _maybe_ctx(request: Request, session: Any, catalog: Catalog,
               actor: MaybePrincipalDep) -> Ctx | None:
    return request_ctx(request, session, catalog, actor) if actor is not None else None


# --- public reads ----------------------------------------------------------------------


@router.get("/intermediaries", response_model=list[AgencyOut],
            summary="已入驻的中介机构（公开；信用分高的在前）")
def agencies(request: Request, session: SessionDep, catalog: CatalogDep,
             actor: MaybePrincipalDep,
             service: Annotated[str | None, Query(max_length=32)] = None) -> list[AgencyOut]:
    ctx = _maybe_ctx(request, session, catalog, actor)
    return [AgencyOut.of(ctx, a) for a in reading.agencies(session, service)]


@router.get("/agency-projects", response_model=list[ProjectOut],
            summary="中介服务项目及选取结果（公开）")
def projects(request: Request, session: SessionDep, catalog: CatalogDep,
             actor: MaybePrincipalDep,
             service: Annotated[str | None, Query(max_length=32)] = None) -> list[ProjectOut]:
    ctx = _maybe_ctx(request, session, catalog, actor)
    return [ProjectOut.of(ctx, session, p) for p in reading.projects(session, service)]


@router.get("/agency-projects/{project_id}", response_model=ProjectOut,
            summary="一个中介服务项目（公开；登录后含您可采取的动作）")
def project(project_id: Id, request: Request, session: SessionDep, catalog: CatalogDep,
            actor: MaybePrincipalDep) -> ProjectOut:
    ctx = _maybe_ctx(request, session, catalog, actor)
    return ProjectOut.of(ctx, session, reading.get_project(session, project_id))


@router.get("/agency-projects/{project_id}/draw.json", summary=(
    "项目的摇号记录（JSON，可用 onething draw verify 验证）"))
def draw_record(project_id: Id, session: SessionDep) -> JSONResponse:
    found = reading.get_project(session, project_id).draw_record
    if found is None:
        raise NotFound("该项目没有摇号记录", code="no_draw_record")
    return JSONResponse(found, headers={
        "Content-Disposition": f'attachment; filename="agency-project-{project_id}-draw.json"'})


# --- 入驻 -------------------------------------------------------------------------------


@router.post("/intermediaries", response_model=AgencyOut, status_code=201,
             summary="申请入驻中介服务超市（企业法定代表人）")
def join(body: JoinIn, ctx: CtxDep) -> AgencyOut:
    with ctx.work():
        agency_id = market.join(ctx, market.JoinInput(**body.model_dump())).id
    with ctx.reading() as read:
        return AgencyOut.of(read, read.session.get_one(Intermediary, agency_id))


@router.get("/intermediary-applications", response_model=list[AgencyOut],
            summary="待审核的入驻申请（管理员）")
def applications(ctx: CtxDep) -> list[AgencyOut]:
    if not rules.reviews(ctx.actor):
        raise Forbidden("只有管理员可以审核入驻申请", code="role_not_allowed")
    return [AgencyOut.of(ctx, a)
            for a in reading.agencies(ctx.session, status=rules.AgencyStatus.pending)]


@router.post("/intermediaries/{agency_id}/review", response_model=AgencyOut,
             summary="审核入驻申请（管理员）")
def review(agency_id: Id, body: ReviewIn, ctx: CtxDep) -> AgencyOut:
    with ctx.work():
        market.review(ctx, agency_id, body.approve, body.note)
    with ctx.reading() as read:
        return AgencyOut.of(read, read.session.get_one(Intermediary, agency_id))


# --- projects --------------------------------------------------------------------------


def _project(ctx: Ctx, project_id: int) -> ProjectOut:
    with ctx.reading() as read:
        return ProjectOut.of(read, read.session, reading.get_project(read.session, project_id))


@router.post("/agency-projects", response_model=ProjectOut, status_code=201,
             summary="发布中介服务项目（部门审批人员或办事群众）")
def post(body: ProjectIn, ctx: CtxDep) -> ProjectOut:
    given = body.model_dump()
    given.update(budget=str(body.budget), deadline=body.deadline.isoformat())
    with ctx.work():
        project_id = market.post(ctx, market.ProjectInput(**given)).id
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/bids", response_model=ProjectOut,
             status_code=201, summary="报价（竞价、择优项目；中介机构法定代表人，截止日期前）")
def bid(project_id: Id, body: BidIn, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.bid(ctx, project_id, body.agency, str(body.price), body.proposal)
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/closing", response_model=ProjectOut,
             summary="随机抽取：封存候选名单并公布名单哈希和种子承诺（采购人）")
def close(project_id: Id, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.close(ctx, project_id)
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/selection", response_model=ProjectOut,
             summary="选取中介机构（采购人：直接选取、抽取、竞价或择优）")
def select(project_id: Id, body: SelectionIn, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.select_agency(ctx, project_id, body.agency, body.scores)
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/contract", response_model=ProjectOut,
             summary="登记合同（采购人）")
def contract(project_id: Id, body: ContractIn, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.sign_contract(ctx, project_id, body.number, str(body.price))
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/delivery", response_model=ProjectOut,
             summary="登记交付成果（承接机构法定代表人）")
def deliver(project_id: Id, body: DeliveryIn, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.deliver(ctx, project_id, body.note)
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/rating", response_model=ProjectOut,
             summary="评价承接机构（采购人，1–5 星）")
def rate(project_id: Id, body: RatingIn, ctx: CtxDep) -> ProjectOut:
    with ctx.work():
        market.rate(ctx, project_id, body.score, body.comment)
    return _project(ctx, project_id)


@router.post("/agency-projects/{project_id}/complaints", response_model=ComplaintOut,
             status_code=201, summary="投诉承接机构（采购人）")
def complain(project_id: Id, body: ComplaintIn, ctx: CtxDep) -> ComplaintOut:
    with ctx.work():
        complaint_id = market.complain(ctx, project_id, body.reason).id
    with ctx.reading() as read:
        return ComplaintOut.of(read.session, read.session.get_one(AgencyComplaint,
                                                                  complaint_id))


@router.get("/agency-complaints", response_model=list[ComplaintOut],
            summary="待处理的中介投诉（管理员）")
def complaints(ctx: CtxDep) -> list[ComplaintOut]:
    if not rules.reviews(ctx.actor):
        raise Forbidden("只有管理员可以处理中介投诉", code="role_not_allowed")
    return [ComplaintOut.of(ctx.session, c) for c in reading.complaints(ctx.session)]


@router.post("/agency-complaints/{complaint_id}/decision", response_model=ComplaintOut,
             summary="处理中介投诉（管理员；成立的扣减信用分）")
def decide(complaint_id: Id, body: DecisionIn, ctx: CtxDep) -> ComplaintOut:
    with ctx.work():
        market.decide_complaint(ctx, complaint_id, body.upheld, body.answer)
    with ctx.reading() as read:
        return ComplaintOut.of(read.session, read.session.get_one(AgencyComplaint,
                                                                  complaint_id))
