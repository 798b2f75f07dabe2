"""Policy payouts (政策兑现) through HTTP: a holder's matches, the confirmation of the account
and amount, 公示 and objections, the department's approval, payout batches and their file
for the bank, and appeals of a non-match. Thin: each route calls `policies.payouts`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from onething.catalog.context import Ctx
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.policies import payouts
from onething.policies.flow import STATUS_NAMES, MatchStatus
from onething.policies.models import PayoutBatch, PolicyAppeal, PolicyMatch, PolicyObjection
from onething.policies.shown import mask_account, mask_holder, mask_name

router = APIRouter(prefix="/api/v1", tags=["policy payouts"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_]*$")]
Period = Annotated[str, Field(pattern=r"^(\d{4}(-\d{2})?)?$", description="YYYY-MM 或 YYYY")]
Text = Annotated[str, Field(max_length=payouts.TEXT_MAX)]


class MatchOut(BaseModel):
    id: int
    policy: str
    policy_name: str
    holder: str = Field(description="对象：身份证号或统一社会信用代码（部分隐藏）")
    period: str
    amount: str
    status: str = Field(description="matched 待确认 · confirmed 已确认 · in_publicity 公示中 · "
                                    "approved 已审核 · paid 已发放 · rejected 不予发放 · "
                                    "stopped 已停发")
    status_name: str
    note: str | None = Field(description="停发原因、人工认定或不予发放的理由")
    account: str | None = Field(description="收款账户（开户行和部分隐藏的账号）")
    publicity_until: dt.date | None = Field(description="公示截止日（含）")
    matched_at: dt.datetime
    confirmed_at: dt.datetime | None
    approved_at: dt.datetime | None
    paid_at: dt.datetime | None

    @classmethod
    def of(cls, ctx: Ctx, m: PolicyMatch) -> MatchOut:
        policy = ctx.catalog.policies.get(m.policy_code)
        status = MatchStatus(m.status)
        status_name = STATUS_NAMES[status]
        if status == MatchStatus.matched and policy is not None and not policy.spec.confirm:
            status_name = "待审核发放"
        return cls(id=m.id, policy=m.policy_code,
                   policy_name=policy.spec.name if policy else m.policy_code,
                   holder=mask_holder(m.holder_key), period=m.period, amount=str(m.amount),
                   status=m.status, status_name=status_name, note=m.note,
                   account=(f"{m.account_bank} {mask_account(m.account_number)}"
                            if m.account_number else None),
                   publicity_until=m.publicity_until, matched_at=m.matched_at,
                   confirmed_at=m.confirmed_at, approved_at=m.approved_at, paid_at=m.paid_at)


def _match(ctx: CtxDep, match_id: int) -> MatchOut:
    with ctx.reading() as read:
        found = read.session.get(PolicyMatch, match_id)
        assert found is not None
        return MatchOut.of(read, found)


@router.get("/policy-matches", response_model=list[MatchOut],
            summary="我的政策待遇：本人及本人代表的企业的比对结果和发放进度")
def mine(ctx: CtxDep) -> list[MatchOut]:
    return [MatchOut.of(ctx, m) for m in payouts.my_matches(ctx)]


class ConfirmationIn(BaseModel):
    account_name: Text = Field(description="户名")
    account_bank: Text = Field(description="开户银行")
    account_number: Text = Field(description="银行账号")
    amount: Text = Field(description="确认的金额（元），应与核定金额一致")


@router.post("/policy-matches/{match_id}/confirmation", response_model=MatchOut,
             summary="确认收款账户和金额（须确认的政策）；有公示的随即进入公示")
def confirm(match_id: Id, body: ConfirmationIn, ctx: CtxDep) -> MatchOut:
    with ctx.work():
        payouts.confirm(ctx, match_id, payouts.Confirmation(**body.model_dump()))
    return _match(ctx, match_id)


class PublicityOut(BaseModel):
    id: int
    policy: str
    policy_name: str
    name: str = Field(description="对象名称（个人姓名部分隐藏）")
    holder: str = Field(description="身份证号或统一社会信用代码（部分隐藏）")
    period: str
    amount: str
    publicity_until: dt.date | None


@router.get("/policy-publicity", response_model=list[PublicityOut],
            summary="正在公示的政策待遇（登录后可查看并提出异议）")
def publicity(ctx: CtxDep) -> list[PublicityOut]:
    out = []
    for m in payouts.in_publicity(ctx):
        policy = ctx.catalog.policies.get(m.policy_code)
        out.append(PublicityOut(
            id=m.id, policy=m.policy_code, policy_name=policy.spec.name if policy else "",
            name=mask_name(m.account_name), holder=mask_holder(m.holder_key),
            period=m.period, amount=str(m.amount), publicity_until=m.publicity_until))
    return out


class ReasonIn(BaseModel):
    reason: Text = Field(description="理由")


class ObjectionOut(BaseModel):
    id: int
    match_id: int
    policy: str
    holder: str
    reason: str
    made_at: dt.datetime
    decision: str | None = Field(description="upheld 成立 · dismissed 不成立；未处理为空")
    answer: str | None

    @classmethod
    def of(cls, o: PolicyObjection, m: PolicyMatch) -> ObjectionOut:
        return cls(id=o.id, match_id=m.id, policy=m.policy_code,
                   holder=mask_holder(m.holder_key), reason=o.reason, made_at=o.made_at,
                   decision=o.decision, answer=o.answer)


@router.post("/policy-matches/{match_id}/objections", response_model=ObjectionOut,
             status_code=201, summary="对公示中的待遇提出异议（公示期内，任何登录用户）")
def object_to(match_id: Id, body: ReasonIn, ctx: CtxDep) -> ObjectionOut:
    with ctx.work():
        objection_id = payouts.object_to(ctx, match_id, body.reason).id
    return _objection(ctx, objection_id)


def _objection(ctx: Ctx, objection_id: int) -> ObjectionOut:
    """An objection as just written, with its match, read after the commit."""
    with ctx.reading() as read:
        o = read.session.get(PolicyObjection, objection_id)
        assert o is not None
        m = read.session.get(PolicyMatch, o.match_id)
        assert m is not None
        return ObjectionOut.of(o, m)


@router.get("/policy-objections", response_model=list[ObjectionOut],
            summary="待处理的公示异议（政策主管部门）")
def objection_list(ctx: CtxDep) -> list[ObjectionOut]:
    _staff(ctx)
    return [ObjectionOut.of(o, m) for o, m in payouts.objections(ctx)]


class DecisionIn(BaseModel):
    upheld: bool = Field(description="true 成立 · false 不成立")
    answer: Text = Field(description="处理意见（告知提出人）")
    amount: Text | None = Field(default=None, description="申诉成立时：人工认定的本期金额（元）")


@router.post("/policy-objections/{objection_id}/decision", response_model=ObjectionOut,
             summary="处理公示异议：成立则不予发放，不成立则继续")
def decide_objection(objection_id: Id, body: DecisionIn, ctx: CtxDep) -> ObjectionOut:
    with ctx.work():
        payouts.decide_objection(ctx, objection_id, body.upheld, body.answer)
    return _objection(ctx, objection_id)


@router.get("/policies/{policy_code}/matches", response_model=list[MatchOut],
            summary="政策的待遇对象及进度（政策主管部门）")
def policy_matches(policy_code: str, ctx: CtxDep, period: Annotated[str | None, Query(
        pattern=r"^\d{4}(-\d{2})?$")] = None) -> list[MatchOut]:
    return [MatchOut.of(ctx, m) for m in payouts.staff_matches(ctx, policy_code, period)]


@router.post("/policy-matches/{match_id}/approval", response_model=MatchOut,
             summary="审核通过一项待遇（政策主管部门；须已确认、公示期满且无未处理异议）")
def approve(match_id: Id, ctx: CtxDep) -> MatchOut:
    with ctx.work():
        payouts.approve(ctx, match_id)
    return _match(ctx, match_id)


class PeriodIn(BaseModel):
    period: Period | None = Field(default=None, description="期间；不填为本期")


class ApprovedOut(BaseModel):
    approved: int = Field(description="本次审核通过的待遇数")


@router.post("/policies/{policy_code}/approval", response_model=ApprovedOut,
             summary="审核通过政策某期全部可审核的待遇（政策主管部门）")
def approve_ready(policy_code: str, body: PeriodIn, ctx: CtxDep) -> ApprovedOut:
    with ctx.work():
        period = body.period or payouts.period_now(ctx, policy_code)
        count = payouts.approve_ready(ctx, policy_code, period)
    return ApprovedOut(approved=count)


class BatchOut(BaseModel):
    id: int
    policy: str
    period: str
    count: int = Field(description="笔数")
    total: str = Field(description="合计金额（元）")
    made_by: str
    made_at: dt.datetime

    @classmethod
    def of(cls, b: PayoutBatch) -> BatchOut:
        return cls(id=b.id, policy=b.policy_code, period=b.period, count=b.count,
                   total=str(b.total), made_by=b.made_by, made_at=b.made_at)


@router.post("/policies/{policy_code}/payout-batches", response_model=BatchOut, status_code=201,
             summary="将政策某期已审核的待遇生成发放批次（政策主管部门；同一期不重复发放）")
def pay(policy_code: str, body: PeriodIn, ctx: CtxDep) -> BatchOut:
    with ctx.work():
        batch_id = payouts.pay(ctx, policy_code, body.period or None).id
    with ctx.reading() as read:
        batch = read.session.get(PayoutBatch, batch_id)
        assert batch is not None
        return BatchOut.of(batch)


@router.get("/payout-batches", response_model=list[BatchOut],
            summary="本部门政策的发放批次")
def batch_list(ctx: CtxDep) -> list[BatchOut]:
    _staff(ctx)
    return [BatchOut.of(b) for b in payouts.batches(ctx)]


@router.get("/payout-batches/{batch_id}/file", response_class=Response,
            summary="发放批次的银行发放文件（CSV，UTF-8 带 BOM；含完整账号，导出留痕）")
def batch_file(batch_id: Id, ctx: CtxDep) -> Response:
    with ctx.work():  # the export is audited
        name, data = payouts.export(ctx, batch_id)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class AppealIn(BaseModel):
    policy: Code = Field(description="政策代码")
    reason: Text = Field(description="申诉理由")
    company: str | None = Field(default=None, max_length=40,
                                description="为本人担任法定代表人的企业申诉（统一社会信用代码）")


class AppealOut(BaseModel):
    id: int
    policy: str
    holder: str
    period: str
    unmet: str = Field(description="比对时未满足的条件")
    reason: str
    made_at: dt.datetime
    decision: str | None = Field(description="upheld 成立 · dismissed 不成立；未处理为空")
    answer: str | None
    match_id: int | None = Field(description="申诉成立时人工认定的待遇")

    @classmethod
    def of(cls, a: PolicyAppeal) -> AppealOut:
        return cls(id=a.id, policy=a.policy_code, holder=mask_holder(a.holder_key),
                   period=a.period, unmet=a.unmet, reason=a.reason, made_at=a.made_at,
                   decision=a.decision, answer=a.answer, match_id=a.match_id)


def _appeal(ctx: CtxDep, appeal_id: int) -> AppealOut:
    with ctx.reading() as read:
        found = read.session.get(PolicyAppeal, appeal_id)
        assert found is not None
        return AppealOut.of(found)


@router.post("/policy-appeals", response_model=AppealOut, status_code=201,
             summary="对不符合的比对结果提出申诉（本人或本人代表的企业）")
def appeal(body: AppealIn, ctx: CtxDep) -> AppealOut:
    with ctx.work():
        appeal_id = payouts.appeal(ctx, body.policy, body.reason, body.company).id
    return _appeal(ctx, appeal_id)


@router.get("/policy-appeals", response_model=list[AppealOut],
            summary="申诉：办事人看自己的，政策主管部门看待处理的")
def appeal_list(ctx: CtxDep) -> list[AppealOut]:
    if ctx.actor.is_staff:
        _staff(ctx)
    found = payouts.appeals(ctx) if ctx.actor.is_staff else payouts.my_appeals(ctx)
    return [AppealOut.of(a) for a in found]


@router.post("/policy-appeals/{appeal_id}/decision", response_model=AppealOut,
             summary="处理申诉：成立则按人工认定的金额生成本期待遇，不成立则告知理由")
def decide_appeal(appeal_id: Id, body: DecisionIn, ctx: CtxDep) -> AppealOut:
    with ctx.work():
        payouts.decide_appeal(ctx, appeal_id, body.upheld, body.answer, body.amount)
    return _appeal(ctx, appeal_id)


def _staff(ctx: Ctx) -> None:
    payouts.staff_only(ctx.actor)
