"""The intermediary market (中介服务超市): a company's legal representative applies for 入驻
(checked by administrators within `agency_review_days` working days, watched by
supervision); a buyer — a department's approvers, or an applicant for their own need —
posts a project; the intermediary is chosen directly, by the verifiable draw (随机抽取,
docs/DRAW.md), by the lowest valid bid (竞价) or by the buyer's scores (择优), a tie broken
by the draw; then the contract, the delivery, the buyer's rating and complaints, which move
the intermediary's credit score. Every step is audited; the lists and results are public
(`reading.py`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date as dt_date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from onething.audit import service as audit
from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.draw import engine as draw
from onething.draw import record as draw_record
from onething.intermediaries import rules
from onething.intermediaries.models import (
    AgencyBid,
    AgencyComplaint,
    AgencyProject,
    Intermediary,
)
from onething.intermediaries.reading import agency_of, get_project
from onething.intermediaries.rules import (
    AGENCY_SERVICE_NAMES,
    AgencyService,
    AgencyStatus,
    Funding,
    Method,
    ProjectStatus,
)
from onething.kernel import bus
from onething.kernel.config import get_settings
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.identifiers import phone_problem
from onething.kernel.principal import Role
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.outbox.models import Notification
from onething.profiles import service as profiles
from onething.profiles.models import Company

SUBJECT = "agency_review"  # as supervision watches the 入驻 check
PROJECT = "agency_project"  # as the audit trail names a project


def _invalid(message: str, field: str, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, problems=[FieldProblem(field, message)])


# --- 入驻 ------------------------------------------------------------------------------


@dataclass
class JoinInput:
    uscc: str
    services: list[str]
    regions: list[str]
    qualifications: str
    phone: str


def join(ctx: Ctx, given: JoinInput) -> Intermediary:
    """A legal representative applies for 入驻 of their company; administrators check it by
    `agency_review_days` working days later (supervision watches the deadline)."""
    if not rules.joins(ctx.actor):
        raise Forbidden("只有企业的法定代表人（办事群众账号）可以申请入驻", code="role_not_allowed")
    given = dataclasses.replace(given, qualifications=given.qualifications.strip(),
                                phone=given.phone.strip())
    company = _company_represented(ctx, given.uscc)
    _check_join(ctx, given)
    agency = ctx.session.scalar(select(Intermediary).where(Intermediary.uscc == company.uscc))
    if agency is not None and agency.status != AgencyStatus.rejected:
        raise Conflict(f"{company.name}已{rules.AGENCY_STATUS_NAMES[agency.status]}，"
                       "不能重复申请", code="already_joined")
    if agency is None:
        agency = Intermediary(uscc=company.uscc, credit_score=rules.CREDIT_BASE,
                              created_at=ctx.now)
        ctx.session.add(agency)
    due = ctx.calendar.add(ctx.today, get_settings().agency_review_days).date
    agency.name, agency.region_code = company.name, company.region_code
    agency.representative_id, agency.status = ctx.actor.user_id, AgencyStatus.pending
    agency.services = sorted(set(given.services))
    agency.service_regions = sorted(set(given.regions))
    agency.qualifications, agency.contact_phone = given.qualifications, given.phone
    agency.applied_on, agency.due_on = ctx.today, due
    agency.reviewed_by_id = agency.reviewed_at = agency.review_note = None
    ctx.session.flush()
    bus.publish(ctx, WatchStarted(SUBJECT, agency.id, ctx.today, due,
                                  f"中介机构入驻审核（{agency.name}）", agency.region_code))
    audit.record(ctx.session, ctx.actor, "join_market", "intermediary", agency.id,
                 region=agency.region_code, after={"uscc": agency.uscc,
                                                   "services": agency.services})
    return agency


def _company_represented(ctx: Ctx, uscc: str) -> Company:
    value = profiles.checked_uscc(uscc)
    company = ctx.session.scalar(select(Company).where(Company.uscc == value))
    if company is None or not profiles.represents(ctx, company):
        raise _invalid("企业档案中没有您任法定代表人的该企业，请核对统一社会信用代码", "uscc",
                       "not_representative")
    return company


def _check_join(ctx: Ctx, given: JoinInput) -> None:
    problems = []
    unknown = [s for s in given.services if s not in AgencyService.__members__]
    if not given.services or unknown:
        problems.append(FieldProblem("services", "请选择中介服务类别" if not unknown
                                     else f"没有这种中介服务类别：{unknown[0]}"))
    missing = [r for r in given.regions if r not in ctx.catalog.regions]
    if not given.regions or missing:
        problems.append(FieldProblem("regions", "请选择服务区域" if not missing
                                     else f"行政区划 {missing[0]} 不存在"))
    if not given.qualifications or len(given.qualifications) > 2000:
        problems.append(FieldProblem("qualifications", "请填写资质证书名称和编号（2000 字以内）"))
    if reason := phone_problem(given.phone):
        problems.append(FieldProblem("phone", reason))
    if problems:
        raise Invalid("入驻申请有误", problems=problems)


def review(ctx: Ctx, agency_id: int, approve: bool, note: str) -> Intermediary:
    """An administrator checks an 入驻 application: approved (入驻) or not, with the reason."""
    if not rules.reviews(ctx.actor):
        raise Forbidden("只有管理员可以审核入驻申请", code="role_not_allowed")
    agency = ctx.session.get(Intermediary, agency_id)
    if agency is None:
        raise NotFound("没有该中介机构", code="intermediary_not_found")
    if agency.status != AgencyStatus.pending:
        raise Conflict(f"该入驻申请{rules.AGENCY_STATUS_NAMES[agency.status]}，无需再审核",
                       code="illegal_transition")
    note = note.strip()
    if not approve and not note:
        raise _invalid("不予入驻须说明理由", "note")
    agency.status = AgencyStatus.approved if approve else AgencyStatus.rejected
    agency.reviewed_by_id, agency.reviewed_at, agency.review_note = (
        ctx.actor.user_id, ctx.now, note or None)
    bus.publish(ctx, WatchEnded(SUBJECT, agency.id, agency.due_on))
    said = "审核通过，已入驻中介服务超市" if approve else f"未通过审核：{note}"
    _tell(ctx, agency.representative_id, f"【中介服务超市】{agency.name}入驻申请{said[:4]}",
          f"{agency.name}的入驻申请{said}。")
    audit.record(ctx.session, ctx.actor, "review_intermediary", "intermediary", agency.id,
                 region=agency.region_code, after={"status": agency.status.value})
    return agency


def _tell(ctx: Ctx, user_id: int, subject: str, body: str) -> None:
    ctx.session.add(Notification(recipient_id=user_id, created_at=ctx.now, subject=subject,
                                 body=body))


# --- projects --------------------------------------------------------------------------


@dataclass
class ProjectInput:
    title: str
    description: str
    service: str
    region: str
    budget: str
    funding: str
    method: str
    deadline: str  # ISO date: bids until this day
    material: str | None = None  # the catalog material the report is for, if any


def post(ctx: Ctx, given: ProjectInput) -> AgencyProject:
    """A buyer posts a project: a department's approver (its office, public or own money,
    in the approver's region) or an applicant (own money)."""
    if not rules.buys(ctx.actor):
        raise Forbidden("只有部门审批人员或办事群众可以发布中介服务项目", code="role_not_allowed")
    checked = _check_project(ctx, given)
    department = ctx.actor.department if ctx.actor.role == Role.approver else None
    region = ctx.actor.region if department and ctx.actor.region else given.region
    project = AgencyProject(
        title=given.title.strip(), description=given.description.strip(),
        service=given.service, region_code=region, budget=checked.budget,
        funding=Funding(given.funding), method=Method(given.method), deadline=checked.deadline,
        buyer_id=ctx.actor.user_id, buyer_department=department,
        buyer_name=(office_name(ctx.catalog, region, department) if department
                    else _person(ctx.actor.display_name)),
        material_code=given.material or None, status=ProjectStatus.open, created_at=ctx.now)
    ctx.session.add(project)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "post_agency_project", PROJECT, project.id,
                 region=region, after={"method": project.method.value,
                                       "funding": project.funding.value})
    return project


@dataclass(frozen=True)
class _Checked:
    budget: Decimal
    deadline: dt_date


def _person(name: str) -> str:
    """A person buying for themselves, as the public lists name them: 张*（个人）."""
    name = name.split("（")[0] or "申请人"
    return f"{name[0]}{'*' * (len(name) - 1)}（个人）"


def _check_project(ctx: Ctx, given: ProjectInput) -> _Checked:
    problems = []
    if not given.title.strip() or len(given.title.strip()) > 200:
        problems.append(FieldProblem("title", "请填写项目名称（200 字以内）"))
    if not given.description.strip() or len(given.description) > 5000:
        problems.append(FieldProblem("description", "请说明服务内容和要求（5000 字以内）"))
    if given.service not in AgencyService.__members__:
        problems.append(FieldProblem("service", "请选择中介服务类别"))
    if ctx.actor.role != Role.approver and given.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {given.region} 不存在"))
    budget = _money(given.budget)
    if budget is None or budget <= 0:
        problems.append(FieldProblem("budget", "预算金额须为大于 0 的数（元，最多两位小数）"))
    if given.funding not in Funding.__members__:
        problems.append(FieldProblem("funding", "请选择资金来源"))
    elif given.funding == Funding.public and ctx.actor.role != Role.approver:
        problems.append(FieldProblem("funding", "个人项目只能使用自有资金"))
    if given.method not in Method.__members__:
        problems.append(FieldProblem("method", "请选择选取方式"))
    deadline = _date(given.deadline)
    if deadline is None or deadline < ctx.today:
        problems.append(FieldProblem("deadline", "报名（报价）截止日期须为今天或以后的日期"))
    if given.material and given.material not in ctx.catalog.materials:
        problems.append(FieldProblem("material", f"没有代码为 {given.material} 的材料"))
    if problems or budget is None or deadline is None:
        raise Invalid("中介服务项目有误", problems=problems)
    return _Checked(budget, deadline)


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= 10**12:  # (quantize refuses a huge one)
        return None
    return value if value == value.quantize(Decimal("0.01")) else None


def _date(text: str) -> dt_date | None:
    try:
        return dt_date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def buyer_of(ctx: Ctx, project: AgencyProject) -> bool:
    """The buyer: the applicant who posted it, or the approvers of its office."""
    a = ctx.actor
    if project.buyer_department is None:
        return a.role == Role.applicant and a.user_id == project.buyer_id
    return (a.role == Role.approver and a.department == project.buyer_department
            and a.region == project.region_code)


def _as_buyer(ctx: Ctx, project_id: int, *statuses: ProjectStatus) -> AgencyProject:
    """The project locked for the buyer's move (two moves at once: the second sees the
    first's state)."""
    project = get_project(ctx.session, project_id, lock=True)
    if not buyer_of(ctx, project):
        raise Forbidden("只有项目的采购人可以办理此步骤", code="not_buyer")
    _in(project, *statuses)
    return project


def _in(project: AgencyProject, *statuses: ProjectStatus) -> None:
    if project.status not in statuses:
        raise Conflict(f"项目{rules.PROJECT_STATUS_NAMES[project.status]}，不能办理此步骤",
                       code="illegal_transition")


# --- bids ------------------------------------------------------------------------------


def my_agencies(ctx: Ctx) -> list[Intermediary]:
    """The approved intermediaries the signed-in person represents (in the company files)."""
    usccs = [c.uscc for c in profiles.represented(ctx)]
    if not usccs:
        return []
    return list(ctx.session.scalars(select(Intermediary).where(
        Intermediary.uscc.in_(usccs), Intermediary.status == AgencyStatus.approved)))


def _acting_for(ctx: Ctx, uscc: str) -> Intermediary:
    found = next((a for a in my_agencies(ctx) if a.uscc == uscc.strip().upper()), None)
    if found is None:
        raise _invalid("您不是该已入驻中介机构的法定代表人", "agency", "not_representative")
    return found


def bid(ctx: Ctx, project_id: int, uscc: str, price: str, proposal: str) -> AgencyBid:
    """An intermediary's bid (竞价, 择优), by its legal representative, until the deadline
    (the project locked: a bid and the selection do not cross)."""
    project = get_project(ctx.session, project_id, lock=True)
    if not rules.joins(ctx.actor):
        raise Forbidden("只有中介机构的法定代表人可以报价", code="role_not_allowed")
    if project.method not in rules.TAKES_BIDS:
        raise Conflict(f"{rules.METHOD_NAMES[project.method]}项目不接受报价",
                       code="no_bids_for_method")
    _in(project, ProjectStatus.open)
    if ctx.today > project.deadline:
        raise Conflict(f"报价截止日期 {project.deadline} 已过，不再接受报价", code="past_deadline",
                       problems=[FieldProblem("deadline", f"报价截止日期为 {project.deadline}")])
    agency = _acting_for(ctx, uscc)
    _qualified(ctx, agency, project)
    amount = _money(price)
    if amount is None or amount <= 0 or amount > project.budget:
        raise _invalid(f"报价须为大于 0 且不超过预算 {project.budget} 元的金额", "price")
    if not proposal.strip() or len(proposal) > 5000:
        raise _invalid("请填写服务方案（5000 字以内）", "proposal")
    if ctx.session.scalar(select(AgencyBid.id).where(AgencyBid.project_id == project.id,
                                                     AgencyBid.intermediary_id == agency.id)):
        raise Conflict(f"{agency.name}已对该项目报价", code="already_bid")
    made = AgencyBid(project_id=project.id, intermediary_id=agency.id, price=amount,
                     proposal=proposal.strip(), made_by_id=ctx.actor.user_id, made_at=ctx.now)
    ctx.session.add(made)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "bid_agency_project", PROJECT, project.id,
                 after={"intermediary": agency.uscc, "price": str(amount)})
    return made


def _qualified(ctx: Ctx, agency: Intermediary, project: AgencyProject,
               field: str = "agency") -> None:
    why = rules.serves(agency.services, agency.service_regions, ctx.catalog.regions,
                       project.service, project.region_code)
    if why:
        raise _invalid(f"{agency.name}不具备该项目的承接条件：{why}", field, "not_qualified")


# --- selection -------------------------------------------------------------------------


def qualified_pool(ctx: Ctx, project: AgencyProject) -> list[str]:
    """The USCCs of the approved intermediaries qualified for the project, sorted."""
    found = ctx.session.scalars(select(Intermediary).where(
        Intermediary.status == AgencyStatus.approved))
    return draw.sort_pool(a.uscc for a in found if rules.serves(
        a.services, a.service_regions, ctx.catalog.regions, project.service,
        project.region_code) is None)


def close(ctx: Ctx, project_id: int) -> AgencyProject:
    """随机抽取: the buyer closes the project for candidates — the pool is frozen and a secret
    seed committed (both published) — or the selection fails when public money has too few."""
    project = _as_buyer(ctx, project_id, ProjectStatus.open)
    if project.method != Method.random:
        raise Conflict("只有随机抽取项目需要封存候选名单", code="illegal_transition")
    pool = qualified_pool(ctx, project)
    if not pool:
        return _failed(ctx, project, "没有符合条件的中介机构")
    if short := _too_few(project, len(pool)):
        return _failed(ctx, project, short)
    seed = draw.new_seed()
    project.pool, project.pool_hash = pool, draw.pool_hash(pool)
    project.seed, project.commitment = seed.hex(), draw.commitment(seed)
    project.status = ProjectStatus.frozen
    audit.record(ctx.session, ctx.actor, "freeze_agency_pool", PROJECT, project.id,
                 region=project.region_code,
                 after={"pool_hash": project.pool_hash, "commitment": project.commitment,
                        "size": len(pool)})
    return project


def _too_few(project: AgencyProject, count: int) -> str | None:
    return rules.too_few(project.funding, project.method, count,
                         get_settings().agency_min_public)


def _failed(ctx: Ctx, project: AgencyProject, reason: str) -> AgencyProject:
    project.status, project.failure = ProjectStatus.failed, reason
    audit.record(ctx.session, ctx.actor, "agency_selection_failed", PROJECT, project.id,
                 region=project.region_code, after={"reason": reason})
    return project


def select_agency(ctx: Ctx, project_id: int, agency: str | None = None,
                  scores: dict[str, int] | None = None) -> AgencyProject:
    """The buyer selects by the project's method: names one (直接选取), draws from the frozen
    pool (随机抽取), takes the lowest valid bid (竞价) or the best score it gives (择优), after
    the deadline; a tie is drawn. Public money with too few valid bids: the selection fails."""
    project = _as_buyer(ctx, project_id, ProjectStatus.open, ProjectStatus.frozen)
    match project.method:
        case Method.direct:
            _in(project, ProjectStatus.open)
            chosen = _named(ctx, project, agency or "")
            return _chosen(ctx, project, chosen, None, None)
        case Method.random:
            if project.status != ProjectStatus.frozen:
                raise Conflict("请先封存候选名单（公布名单哈希和种子承诺），再抽取",
                               code="pool_not_frozen")
            return _drawn(ctx, project)
    if ctx.today <= project.deadline:
        raise Conflict(f"报价截止日期 {project.deadline} 之后才能选取", code="bidding_open")
    bids = _valid_bids(ctx, project)
    if short := _too_few(project, len(bids)):
        return _failed(ctx, project, short)
    if not bids:
        return _failed(ctx, project, "没有有效报价")
    if project.method == Method.bidding:
        tied = rules.lowest({a.uscc: b.price for b, a in bids})
    else:
        tied = rules.best_scored(_scored(bids, scores or {}))
    return _tie_broken(ctx, project, bids, tied)


def _named(ctx: Ctx, project: AgencyProject, uscc: str) -> Intermediary:
    found = ctx.session.scalar(select(Intermediary).where(
        Intermediary.uscc == uscc.strip().upper(), Intermediary.status == AgencyStatus.approved))
    if found is None:
        raise _invalid("请选择一家已入驻的中介机构", "agency", "intermediary_not_found")
    _qualified(ctx, found, project)
    return found


def _drawn(ctx: Ctx, project: AgencyProject) -> AgencyProject:
    assert project.seed is not None and project.pool is not None
    seed = bytes.fromhex(project.seed)
    entry = draw_record.draw_entry(seed, rules.DRAW_LABEL, project.pool, 1)
    record = draw_record.make_record(seed, [entry])
    winner = agency_of(ctx.session, entry["result"][0])
    return _chosen(ctx, project, winner, None, record)


def _valid_bids(ctx: Ctx, project: AgencyProject) -> list[tuple[AgencyBid, Intermediary]]:
    """The bids of intermediaries still approved and qualified, cheapest first."""
    rows = ctx.session.execute(select(AgencyBid, Intermediary).join(
        Intermediary, Intermediary.id == AgencyBid.intermediary_id).where(
        AgencyBid.project_id == project.id).order_by(AgencyBid.price, AgencyBid.id))
    return [(b, a) for b, a in rows if a.status == AgencyStatus.approved
            and rules.serves(a.services, a.service_regions, ctx.catalog.regions,
                             project.service, project.region_code) is None]


def _scored(bids: list[tuple[AgencyBid, Intermediary]], scores: dict[str, int]
            ) -> dict[str, int]:
    """择优: every valid bid scored 0–100 by the buyer (the scores kept on the bids)."""
    problems = [FieldProblem(f"scores.{a.uscc}", f"请为{a.name}的方案评分（0–100）")
                for _, a in bids if not 0 <= scores.get(a.uscc, -1) <= 100]
    if problems:
        raise Invalid("择优须为每份有效报价评分", problems=problems)
    for b, a in bids:
        b.score = scores[a.uscc]
    return {a.uscc: scores[a.uscc] for _, a in bids}


def _tie_broken(ctx: Ctx, project: AgencyProject, bids: list[tuple[AgencyBid, Intermediary]],
                tied: list[str]) -> AgencyProject:
    record = None
    winner = tied[0]
    if len(tied) > 1:  # a tie: drawn among the tied, the record published
        seed = draw.new_seed()
        entry = draw_record.draw_entry(seed, rules.TIE_LABEL, tied, 1)
        record = draw_record.make_record(seed, [entry])
        winner = entry["result"][0]
    b, a = next((b, a) for b, a in bids if a.uscc == winner)
    return _chosen(ctx, project, a, b.price, record)


def _chosen(ctx: Ctx, project: AgencyProject, agency: Intermediary, price: Decimal | None,
            record: dict[str, object] | None) -> AgencyProject:
    project.selected_id, project.price, project.selected_at = agency.id, price, ctx.now
    project.status, project.draw_record = ProjectStatus.selected, record
    _tell(ctx, agency.representative_id, f"【中介服务超市】{agency.name}被选为项目承接机构",
          f"项目“{project.title}”（{rules.METHOD_NAMES[project.method]}）选定{agency.name}，"
          "请与采购人签订合同。")
    audit.record(ctx.session, ctx.actor, "select_agency", PROJECT, project.id,
                 region=project.region_code,
                 after={"intermediary": agency.uscc, "price": str(price) if price else None,
                        "drawn": record is not None})
    return project


# --- contract, delivery, rating, complaints -------------------------------------------


def sign_contract(ctx: Ctx, project_id: int, number: str, price: str) -> AgencyProject:
    """The buyer records the contract signed with the selected intermediary."""
    project = _as_buyer(ctx, project_id, ProjectStatus.selected)
    amount = _money(price)
    if not number.strip() or len(number.strip()) > 64:
        raise _invalid("请填写合同编号（64 字以内）", "number")
    if amount is None or amount <= 0 or amount > project.budget:
        raise _invalid(f"合同金额须大于 0 且不超过预算 {project.budget} 元", "price")
    project.contract_number, project.contracted_on = number.strip(), ctx.today
    project.price, project.status = amount, ProjectStatus.contracted
    audit.record(ctx.session, ctx.actor, "sign_agency_contract", PROJECT, project.id,
                 region=project.region_code, after={"price": str(amount)})
    return project


def deliver(ctx: Ctx, project_id: int, note: str) -> AgencyProject:
    """The selected intermediary's legal representative records its delivered work."""
    project = get_project(ctx.session, project_id)
    if not delivers(ctx, project):
        raise Forbidden("只有承接机构的法定代表人可以登记交付", code="not_selected_agency")
    _in(project, ProjectStatus.contracted)
    if not note.strip() or len(note) > 2000:
        raise _invalid("请说明交付的成果（报告名称、编号等，2000 字以内）", "note")
    project.delivery_note, project.delivered_at = note.strip(), ctx.now
    project.status = ProjectStatus.delivered
    audit.record(ctx.session, ctx.actor, "deliver_agency_project", PROJECT, project.id,
                 region=project.region_code)
    return project


def delivers(ctx: Ctx, project: AgencyProject) -> bool:
    return project.selected_id is not None and any(
        a.id == project.selected_id for a in my_agencies(ctx))


def rate(ctx: Ctx, project_id: int, score: int, comment: str) -> AgencyProject:
    """The buyer rates the delivered work (1–5); the intermediary's credit score moves."""
    project = _as_buyer(ctx, project_id, ProjectStatus.delivered)
    if not 1 <= score <= 5:
        raise _invalid("评价须为 1 到 5 星", "score")
    project.rating, project.rating_comment = score, comment.strip()[:1000] or None
    project.status = ProjectStatus.closed
    ctx.session.flush()
    _rescore(ctx, project.selected_id)
    audit.record(ctx.session, ctx.actor, "rate_agency", PROJECT, project.id,
                 region=project.region_code, after={"rating": score})
    return project


def complain(ctx: Ctx, project_id: int, reason: str) -> AgencyComplaint:
    """The buyer complains about the intermediary it contracted; an administrator decides."""
    project = _as_buyer(ctx, project_id, *rules.COMPLAINABLE)
    if not reason.strip() or len(reason) > 2000:
        raise _invalid("请说明投诉的事实和理由（2000 字以内）", "reason")
    assert project.selected_id is not None
    made = AgencyComplaint(project_id=project.id, intermediary_id=project.selected_id,
                           reason=reason.strip(), made_by_id=ctx.actor.user_id, made_at=ctx.now)
    ctx.session.add(made)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "complain_agency", PROJECT, project.id,
                 region=project.region_code, after={"complaint": made.id})
    return made


def decide_complaint(ctx: Ctx, complaint_id: int, upheld: bool, answer: str
                     ) -> AgencyComplaint:
    """An administrator decides a complaint; an upheld one lowers the credit score."""
    if not rules.reviews(ctx.actor):
        raise Forbidden("只有管理员可以处理中介投诉", code="role_not_allowed")
    complaint = ctx.session.get(AgencyComplaint, complaint_id)
    if complaint is None:
        raise NotFound("没有该投诉", code="complaint_not_found")
    if complaint.upheld is not None:
        raise Conflict("该投诉已处理", code="illegal_transition")
    if not answer.strip():
        raise _invalid("请填写处理意见", "answer")
    complaint.upheld, complaint.answer = upheld, answer.strip()[:2000]
    complaint.decided_by_id, complaint.decided_at = ctx.actor.user_id, ctx.now
    ctx.session.flush()
    _rescore(ctx, complaint.intermediary_id)
    audit.record(ctx.session, ctx.actor, "decide_agency_complaint", "agency_complaint",
                 complaint.id, after={"upheld": upheld})
    return complaint


def _rescore(ctx: Ctx, agency_id: int | None) -> None:
    agency = ctx.session.get(Intermediary, agency_id) if agency_id else None
    if agency is None:
        return
    ratings = list(ctx.session.scalars(select(AgencyProject.rating).where(
        AgencyProject.selected_id == agency.id, AgencyProject.rating.is_not(None))))
    upheld = ctx.session.scalar(select(func.count()).select_from(AgencyComplaint).where(
        AgencyComplaint.intermediary_id == agency.id,
        AgencyComplaint.upheld.is_(True))) or 0
    agency.credit_score = rules.credit_score([int(r) for r in ratings if r is not None], upheld)


# --- what may be done next -------------------------------------------------------------


def actions(ctx: Ctx, project: AgencyProject) -> list[str]:
    """The moves the actor may take on the project now (the page's forms, the API's
    `actions`): bid, close, select, contract, deliver, rate, complain."""
    found: list[str] = []
    buyer, status = buyer_of(ctx, project), project.status
    if (project.method in rules.TAKES_BIDS and status == ProjectStatus.open
            and ctx.today <= project.deadline and my_agencies(ctx)):
        found.append("bid")
    if buyer and status == ProjectStatus.open and project.method == Method.random:
        found.append("close")
    if buyer and (
            (status == ProjectStatus.open and project.method == Method.direct)
            or (status == ProjectStatus.frozen)
            or (status == ProjectStatus.open and project.method in rules.TAKES_BIDS
                and ctx.today > project.deadline)):
        found.append("select")
    if buyer and status == ProjectStatus.selected:
        found.append("contract")
    if status == ProjectStatus.contracted and delivers(ctx, project):
        found.append("deliver")
    if buyer and status == ProjectStatus.delivered:
        found.append("rate")
    if buyer and status in rules.COMPLAINABLE:
        found.append("complain")
    return found


def service_name(code: str) -> str:
    return AGENCY_SERVICE_NAMES[AgencyService(code)]
