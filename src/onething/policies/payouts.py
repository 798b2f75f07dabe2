"""Policy payouts (政策兑现) after matching: the holder confirms the account and the amount
where the policy asks for it, 公示 for the policy's working days (objections recorded and
decided), the policy's department approves, and a payout batch pays the approved matches
of a period and is exported for the bank or treasury; a holder found not to qualify may
appeal. Each step moves a match along `flow.TRANSITIONS` and is audited; the holder hears of
it through the outbox. Services flush; the caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog, Policy
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.outbox import service as outbox
from onething.policies.calculator import holder_for
from onething.policies.flow import (
    TRANSITIONS,
    MatchStatus,
    Move,
    Steps,
    after_confirmation,
    refusal,
)
from onething.policies.matching import CENT, period_of
from onething.policies.models import Payout as PayoutRow
from onething.policies.models import PayoutBatch, PolicyAppeal, PolicyMatch, PolicyObjection
from onething.policies.people import holder_keys, recipients
from onething.policies.shown import account_problem, mask_account

TEXT_MAX = 500
AMOUNT_MAX = Decimal("10000000")
UPHELD, DISMISSED = "upheld", "dismissed"
DECISION_NAMES = {UPHELD: "成立", DISMISSED: "不成立"}
APPEAL_DECISION_NAMES = {UPHELD: "申诉成立", DISMISSED: "申诉不成立"}
OPEN = (MatchStatus.matched.value, MatchStatus.confirmed.value,
        MatchStatus.in_publicity.value, MatchStatus.approved.value)


# --- who may do what ---------------------------------------------------------------------


def handles(actor: Principal, policy: Policy) -> bool:
    """The policy's department (its approvers) decides, approves and pays; an administrator
    everything."""
    return actor.role == Role.admin or (actor.role == Role.approver
                                        and actor.department == policy.spec.department)


def works_on_payouts(actor: Principal) -> bool:
    """Who has the staff's pages of payouts at all (what they list is their department's)."""
    return actor.role == Role.admin or (actor.role == Role.approver
                                        and actor.department is not None)


def policies_handled(ctx: Ctx) -> list[Policy]:
    return [p for p in ctx.catalog.policies.values() if handles(ctx.actor, p)]


def steps_of(policy: Policy) -> Steps:
    return Steps(confirm=policy.spec.confirm, publicity=policy.spec.publicity_days > 0)


def policy_of(catalog: Catalog, code: str) -> Policy:
    found = catalog.policies.get(code)
    if found is None:
        raise NotFound(f"目录中没有政策 {code}", code="unknown_policy")
    return found


def _department_only(ctx: Ctx, policy: Policy) -> None:
    if not handles(ctx.actor, policy):
        raise Forbidden(f"只有“{policy.spec.name}”的主管部门可以办理此事",
                        code="not_policy_department")


def _moved(match: PolicyMatch, move: Move, policy: Policy) -> MatchStatus:
    """The match's next status for `move`; 409 naming why not."""
    why = refusal(MatchStatus(match.status), move, steps_of(policy))
    if why is not None:
        raise Conflict(why, code="illegal_transition")
    return TRANSITIONS[(MatchStatus(match.status), move)]


def _chosen(upheld: bool | None) -> bool:
    """The decision of an objection or an appeal: upheld or dismissed (422 naming
    `decision` when the form chose neither)."""
    if upheld is None:
        raise Invalid("请选择核实结果：成立或不成立", code="invalid_decision",
                      problems=[FieldProblem("decision", "请选择核实结果")])
    return upheld


def _text(value: str | None, field: str, label: str) -> str:
    text = (value or "").strip()
    if len(text) < 2 or len(text) > TEXT_MAX:
        problem = f"{label}应为 2 至 {TEXT_MAX} 个字"
        raise Invalid(problem, code="invalid_text", problems=[FieldProblem(field, problem)])
    return text


def _locked(session: Session, match_id: int) -> PolicyMatch | None:
    return session.scalar(select(PolicyMatch).where(PolicyMatch.id == match_id)
                          .with_for_update())


def _tell(session: Session, match: PolicyMatch, subject: str, body: str,
          now: dt.datetime) -> None:
    to = recipients(session, match.holder_kind, match.holder_key)
    if to:
        outbox.queue(session, to, subject, body, now)


# --- the holder's matches ----------------------------------------------------------------


def my_matches(ctx: Ctx) -> list[PolicyMatch]:
    """The matches of the signed-in person and the companies they represent, newest first."""
    keys = holder_keys(ctx)
    if not keys:
        return []
    return list(ctx.session.scalars(select(PolicyMatch).where(
        PolicyMatch.holder_key.in_(list(keys))).order_by(
        PolicyMatch.period.desc(), PolicyMatch.id.desc()).limit(200)))


def own_match(ctx: Ctx, match_id: int, lock: bool = False) -> PolicyMatch:
    """The signed-in person's (or their company's) match; 404 for any other."""
    match = (_locked(ctx.session, match_id) if lock
             else ctx.session.get(PolicyMatch, match_id))
    if match is None or match.holder_key not in holder_keys(ctx):
        raise NotFound("没有该政策待遇，或不是您（或您代表的企业）的待遇",
                       code="match_not_found")
    return match


@dataclass(frozen=True)
class Confirmation:
    account_name: str  # 户名
    account_bank: str  # 开户行
    account_number: str
    amount: str  # the amount the holder accepts: must be the one decided


def confirm(ctx: Ctx, match_id: int, given: Confirmation) -> PolicyMatch:
    """The holder gives the account and accepts the amount; 公示 starts at once where the
    policy has one (for its working days, from the day after)."""
    match = own_match(ctx, match_id, lock=True)
    policy = policy_of(ctx.catalog, match.policy_code)
    _moved(match, Move.confirm, policy)
    name, bank, number = _account(given)
    if _amount(given.amount, "amount") != match.amount:
        problem = f"应确认核定的金额 {match.amount} 元"
        raise Invalid(problem, code="amount_differs", problems=[FieldProblem("amount", problem)])
    match.status = after_confirmation(steps_of(policy)).value
    match.account_name, match.account_bank, match.account_number = name, bank, number
    match.confirmed_by, match.confirmed_at = ctx.actor.username, ctx.now
    body = f"您已确认“{policy.spec.name}”{match.period}期 {match.amount} 元的收款账户。"
    if policy.spec.publicity_days:
        match.publicity_until = ctx.calendar.add(ctx.today, policy.spec.publicity_days).date
        body += (f"公示至 {match.publicity_until}（{policy.spec.publicity_days} 个工作日），"
                 "期满无异议后由主管部门审核发放。")
    audit.record(ctx.session, ctx.actor, "confirm_policy_match", "policy_match", match.id,
                 after={"status": match.status, "account": mask_account(number),
                        "bank": bank, "amount": str(match.amount)})
    _tell(ctx.session, match, f"“{policy.spec.name}”确认成功", body, ctx.now)
    ctx.session.flush()
    return match


def _account(given: Confirmation) -> tuple[str, str, str]:
    problems = []
    name, bank = given.account_name.strip(), given.account_bank.strip()
    number = "".join(given.account_number.split())
    if not 2 <= len(name) <= 200:
        problems.append(FieldProblem("account_name", "户名应为 2 至 200 个字"))
    if not 2 <= len(bank) <= 100:
        problems.append(FieldProblem("account_bank", "开户银行应为 2 至 100 个字"))
    wrong = account_problem(number)
    if wrong:
        problems.append(FieldProblem("account_number", wrong))
    if problems:
        raise Invalid("收款账户信息有误：" + "；".join(p.message for p in problems),
                      code="invalid_account", problems=problems)
    return name, bank, number


def _amount(value: str | None, field: str) -> Decimal:
    try:
        amount = Decimal((value or "").strip().replace(",", ""))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount <= 0 or amount > AMOUNT_MAX:
        problem = f"金额应为大于 0、不超过 {AMOUNT_MAX} 的数，单位元"
        raise Invalid(problem, code="invalid_amount", problems=[FieldProblem(field, problem)])
    return amount.quantize(CENT)


# --- 公示 and objections -------------------------------------------------------------------


def in_publicity(ctx: Ctx) -> list[PolicyMatch]:
    """The matches in 公示 now (anyone signed in reads the list, masked)."""
    return list(ctx.session.scalars(select(PolicyMatch).where(
        PolicyMatch.status == MatchStatus.in_publicity.value,
        PolicyMatch.publicity_until >= ctx.today).order_by(
        PolicyMatch.policy_code, PolicyMatch.publicity_until, PolicyMatch.id)))


def object_to(ctx: Ctx, match_id: int, reason: str) -> PolicyObjection:
    """Anyone signed in objects to a match in 公示, with a reason; the department decides."""
    match = ctx.session.get(PolicyMatch, match_id)
    if match is None or match.status not in (MatchStatus.in_publicity.value,
                                             MatchStatus.approved.value,
                                             MatchStatus.paid.value,
                                             MatchStatus.rejected.value):
        raise NotFound("没有该公示对象", code="match_not_found")
    if match.status != MatchStatus.in_publicity.value or (
            match.publicity_until is not None and ctx.today > match.publicity_until):
        raise Conflict(f"公示已于 {match.publicity_until} 结束，不能再提出异议",
                       code="publicity_ended")
    objection = PolicyObjection(match_id=match.id, made_by=ctx.actor.user_id,
                                reason=_text(reason, "reason", "异议理由"), made_at=ctx.now)
    ctx.session.add(objection)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "object_policy_match", "policy_match", match.id,
                 after={"objection": objection.id})
    return objection


def objections(ctx: Ctx, open_only: bool = True) -> list[tuple[PolicyObjection, PolicyMatch]]:
    """The objections to the matches of the policies the actor's department handles."""
    codes = [p.code for p in policies_handled(ctx)]
    query = select(PolicyObjection, PolicyMatch).join(
        PolicyMatch, PolicyMatch.id == PolicyObjection.match_id).where(
        PolicyMatch.policy_code.in_(codes))
    if open_only:
        query = query.where(PolicyObjection.decision.is_(None))
    return [(o, m) for o, m in ctx.session.execute(query.order_by(PolicyObjection.id))]


def decide_objection(ctx: Ctx, objection_id: int, upheld: bool | None,
                     answer: str) -> PolicyObjection:
    """The department decides: upheld, the match is rejected; dismissed, it goes on. The
    objector hears the decision, the holder too when upheld."""
    objection = ctx.session.get(PolicyObjection, objection_id)
    if objection is None:
        raise NotFound("没有该异议", code="objection_not_found")
    match = _locked(ctx.session, objection.match_id)
    assert match is not None
    policy = policy_of(ctx.catalog, match.policy_code)
    _department_only(ctx, policy)
    if objection.decision is not None:
        raise Conflict("该异议已处理", code="objection_decided")
    upheld = _chosen(upheld)
    text = _text(answer, "answer", "处理意见")
    if upheld:
        match.status = _moved(match, Move.uphold, policy).value
        match.note = text
        _tell(ctx.session, match, f"“{policy.spec.name}”公示异议成立",
              f"您的“{policy.spec.name}”{match.period}期待遇经公示异议核实，不予发放：{text}",
              ctx.now)
    objection.decision = UPHELD if upheld else DISMISSED
    objection.answer, objection.decided_by, objection.decided_at = text, ctx.actor.user_id, ctx.now
    outbox.queue(ctx.session, [objection.made_by], "您提出的公示异议已处理",
                 f"您对“{policy.spec.name}”公示对象提出的异议经核实{DECISION_NAMES[objection.decision]}：{text}",
                 ctx.now)
    audit.record(ctx.session, ctx.actor, "decide_policy_objection", "policy_match", match.id,
                 after={"objection": objection.id, "decision": objection.decision,
                        "status": match.status})
    ctx.session.flush()
    return objection


# --- approval ----------------------------------------------------------------------------


def staff_matches(ctx: Ctx, code: str, period: str | None = None,
                  statuses: tuple[str, ...] = OPEN) -> list[PolicyMatch]:
    """A policy's matches on their way to payment, for its department."""
    policy = policy_of(ctx.catalog, code)
    _department_only(ctx, policy)
    query = select(PolicyMatch).where(PolicyMatch.policy_code == code,
                                      PolicyMatch.status.in_(statuses))
    if period:
        query = query.where(PolicyMatch.period == period)
    return list(ctx.session.scalars(query.order_by(PolicyMatch.period.desc(),
                                                   PolicyMatch.holder_key).limit(500)))


def not_ready(ctx: Ctx, match: PolicyMatch, policy: Policy) -> str | None:
    """Why the department may not approve the match now (its state, a 公示 still running,
    an objection not yet decided), or None."""
    why = refusal(MatchStatus(match.status), Move.approve, steps_of(policy))
    if why is not None:
        return why
    if match.publicity_until is not None and ctx.today <= match.publicity_until:
        return f"公示期至 {match.publicity_until}，期满后才能审核"
    if ctx.session.scalar(select(func.count()).select_from(PolicyObjection).where(
            PolicyObjection.match_id == match.id, PolicyObjection.decision.is_(None))):
        return "有尚未处理的公示异议，处理后才能审核"
    return None


def approve(ctx: Ctx, match_id: int) -> PolicyMatch:
    match = _locked(ctx.session, match_id)
    if match is None:
        raise NotFound("没有该政策待遇", code="match_not_found")
    policy = policy_of(ctx.catalog, match.policy_code)
    _department_only(ctx, policy)
    why = not_ready(ctx, match, policy)
    if why is not None:
        raise Conflict(why, code="illegal_transition")
    _approve(ctx, match)
    ctx.session.flush()
    return match


def approve_ready(ctx: Ctx, code: str, period: str) -> int:
    """Approve every match of the policy and period that is ready; how many."""
    ready = [m for m in staff_matches(ctx, code, period, (
        MatchStatus.matched.value, MatchStatus.confirmed.value,
        MatchStatus.in_publicity.value)) if not_ready(ctx, m, ctx.catalog.policies[code]) is None]
    for match in ready:
        _approve(ctx, match)
    ctx.session.flush()
    return len(ready)


def _approve(ctx: Ctx, match: PolicyMatch) -> None:
    match.status = MatchStatus.approved.value
    match.approved_by, match.approved_at = ctx.actor.username, ctx.now
    audit.record(ctx.session, ctx.actor, "approve_policy_match", "policy_match", match.id,
                 after={"status": match.status, "amount": str(match.amount)})


# --- payout batches ----------------------------------------------------------------------


def pay(ctx: Ctx, code: str, period: str | None = None) -> PayoutBatch:
    """The department makes a payout batch of the policy's approved matches of `period`
    (today's by default)."""
    policy = policy_of(ctx.catalog, code)
    _department_only(ctx, policy)
    return make_batch(ctx.session, ctx.catalog, code, period or period_of(policy, ctx.today),
                      ctx.actor, ctx.now)


def make_batch(session: Session, catalog: Catalog, code: str, period: str,
               actor: Principal, now: dt.datetime) -> PayoutBatch:
    """One batch of every approved match of the policy and period, each paid once: a second
    payout for one policy, holder and period (or one match) is refused by the database."""
    policy = policy_of(catalog, code)
    approved = list(session.scalars(select(PolicyMatch).where(
        PolicyMatch.policy_code == code, PolicyMatch.period == period,
        PolicyMatch.status == MatchStatus.approved.value).order_by(PolicyMatch.holder_key)
        .with_for_update()))
    if not approved:
        raise Conflict(f"“{policy.spec.name}”{period or ''}期没有已审核、待发放的待遇",
                       code="nothing_to_pay")
    batch = PayoutBatch(policy_code=code, period=period, count=len(approved),
                        total=sum((m.amount for m in approved), Decimal(0)),
                        made_by=actor.username, made_at=now)
    session.add(batch)
    session.flush()
    try:
        with session.begin_nested():
            session.add_all(_payout(batch, m, policy) for m in approved)
    except IntegrityError as exc:
        raise Conflict("其中有待遇已在其他批次发放，同一政策同一期不能重复发放",
                       code="already_paid") from exc
    for match in approved:
        match.status, match.paid_at = MatchStatus.paid.value, now
        _tell(session, match, f"“{policy.spec.name}”已发放",
              f"您的“{policy.spec.name}”{match.period}期待遇 {match.amount} 元已发放至"
              f"{_where(match, policy)}，请注意查收。", now)
    audit.record(session, actor, "make_payout_batch", "payout_batch", batch.id, after={
        "policy": code, "period": period, "count": batch.count, "total": str(batch.total)})
    session.flush()
    return batch


def _where(match: PolicyMatch, policy: Policy) -> str:
    if match.account_number:
        return f"{match.account_bank}账户（{mask_account(match.account_number)}）"
    return f"本人{policy.spec.channel}"


def _payout(batch: PayoutBatch, match: PolicyMatch, policy: Policy) -> PayoutRow:
    name = match.account_name or name_in_facts(match) or match.holder_key
    return PayoutRow(batch_id=batch.id, match_id=match.id, policy_code=match.policy_code,
                     holder_key=match.holder_key, period=match.period, amount=match.amount,
                     payee=name[:200], account_bank=(match.account_bank or policy.spec.channel),
                     account_number=match.account_number or "")


def name_in_facts(match: PolicyMatch) -> str | None:
    """The holder's name as the data set that found them gives it (户籍信息: `name`)."""
    for value in match.facts.values():
        if isinstance(value, dict) and isinstance(value.get("values"), dict):
            name = value["values"].get("name")
            if isinstance(name, str) and name:
                return name
    return None


def batches(ctx: Ctx) -> list[PayoutBatch]:
    codes = [p.code for p in policies_handled(ctx)]
    return list(ctx.session.scalars(select(PayoutBatch).where(
        PayoutBatch.policy_code.in_(codes)).order_by(PayoutBatch.id.desc()).limit(100)))


def batch_of(ctx: Ctx, batch_id: int) -> PayoutBatch:
    batch = ctx.session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound("没有该发放批次", code="batch_not_found")
    _department_only(ctx, policy_of(ctx.catalog, batch.policy_code))
    return batch


def payouts_of(session: Session, batch_id: int) -> list[PayoutRow]:
    return list(session.scalars(select(PayoutRow).where(PayoutRow.batch_id == batch_id)
                                .order_by(PayoutRow.id)))


CSV_HEADER = ("序号", "收款人", "证件号码", "开户银行（发放渠道）", "账号", "金额（元）", "政策",
              "期间")


def export(ctx: Ctx, batch_id: int) -> tuple[str, bytes]:
    """The batch's file for the bank or treasury (file name, bytes): one row per payout, in
    full (the bank needs the whole account and ID number: the export is audited), and a
    totals line; refused when the rows do not add up to the batch's count and total."""
    batch = batch_of(ctx, batch_id)
    return export_batch(ctx.session, ctx.catalog, batch, ctx.actor)


def export_batch(session: Session, catalog: Catalog, batch: PayoutBatch,
                 actor: Principal) -> tuple[str, bytes]:
    rows = payouts_of(session, batch.id)
    total = sum((r.amount for r in rows), Decimal(0))
    if len(rows) != batch.count or total != batch.total:
        raise Conflict(f"批次记录 {batch.count} 笔 {batch.total} 元，明细为 {len(rows)} 笔 "
                       f"{total} 元，两者不符，不能导出", code="batch_totals_differ")
    policy = catalog.policies.get(batch.policy_code)
    name = policy.spec.name if policy else batch.policy_code
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for n, r in enumerate(rows, start=1):
        writer.writerow((n, r.payee, r.holder_key, r.account_bank, r.account_number,
                         f"{r.amount:.2f}", name, r.period))
    writer.writerow(("合计", f"{len(rows)} 笔", "", "", "", f"{total:.2f}", name, batch.period))
    audit.record(session, actor, "export_payout_batch", "payout_batch", batch.id,
                 after={"count": len(rows), "total": str(total)})
    # UTF-8 with a byte-order mark: what Excel, which banks' and treasuries' staff open the
    # file with, needs to read the Chinese as UTF-8 rather than GBK
    return (f"payout-{batch.policy_code}-{batch.period or 'once'}-{batch.id}.csv",
            out.getvalue().encode("utf-8-sig"))


# --- appeals of a non-match ----------------------------------------------------------------


def appeal(ctx: Ctx, code: str, reason: str, company: str | None = None) -> PolicyAppeal:
    """A holder the calculator finds not qualifying for a policy in force asks its
    department to look again (for the current period)."""
    holder = holder_for(ctx, company)
    if holder.key is None:
        raise Invalid("您的账号未登记身份证号，无法提出申诉", code="no_id_number")
    found = next((e for e in holder.estimates(ctx) if e.policy.code == code), None)
    if found is None:
        raise NotFound(f"没有可申诉的政策 {code}", code="unknown_policy")
    if found.eligible:
        raise Conflict("按现有数据已符合该政策，无需申诉", code="already_eligible")
    period = period_of(found.policy, ctx.today)
    decided = ctx.session.scalar(select(PolicyMatch.status).where(
        PolicyMatch.policy_code == code, PolicyMatch.holder_key == holder.key,
        PolicyMatch.period == period))
    if decided is not None and decided != MatchStatus.stopped.value:
        raise Conflict("本期已有该政策的待遇", code="already_matched")
    if ctx.session.scalar(select(func.count()).select_from(PolicyAppeal).where(
            PolicyAppeal.policy_code == code, PolicyAppeal.holder_key == holder.key,
            PolicyAppeal.period == period, PolicyAppeal.decision.is_(None))):
        raise Conflict("已有尚在处理的申诉", code="appeal_pending")
    made = PolicyAppeal(policy_code=code, holder_kind=holder.kind.value, holder_key=holder.key,
                        period=period, unmet=(found.unmet or "")[:500],
                        reason=_text(reason, "reason", "申诉理由"), made_by=ctx.actor.user_id,
                        made_at=ctx.now)
    ctx.session.add(made)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "appeal_policy", "policy_appeal", made.id,
                 after={"policy": code, "period": period})
    return made


def my_appeals(ctx: Ctx) -> list[PolicyAppeal]:
    keys = holder_keys(ctx)
    return list(ctx.session.scalars(select(PolicyAppeal).where(
        PolicyAppeal.holder_key.in_(list(keys))).order_by(PolicyAppeal.id.desc()).limit(50)))


def appeals(ctx: Ctx, open_only: bool = True) -> list[PolicyAppeal]:
    codes = [p.code for p in policies_handled(ctx)]
    query = select(PolicyAppeal).where(PolicyAppeal.policy_code.in_(codes))
    if open_only:
        query = query.where(PolicyAppeal.decision.is_(None))
    return list(ctx.session.scalars(query.order_by(PolicyAppeal.id)))


def decide_appeal(ctx: Ctx, appeal_id: int, upheld: bool | None, answer: str,
                  amount: str | None = None) -> PolicyAppeal:
    """The department decides an appeal: upheld, a match is made by hand for its period
    with the amount given and the reason kept; either way the appellant hears the answer."""
    made = ctx.session.get(PolicyAppeal, appeal_id)
    if made is None:
        raise NotFound("没有该申诉", code="appeal_not_found")
    policy = policy_of(ctx.catalog, made.policy_code)
    _department_only(ctx, policy)
    if made.decision is not None:
        raise Conflict("该申诉已处理", code="appeal_decided")
    upheld = _chosen(upheld)
    text = _text(answer, "answer", "处理意见")
    if upheld:
        made.match_id = _by_hand(ctx, made, _amount(amount, "amount"), text).id
    made.decision = UPHELD if upheld else DISMISSED
    made.answer, made.decided_by, made.decided_at = text, ctx.actor.user_id, ctx.now
    outbox.queue(ctx.session, [made.made_by], f"“{policy.spec.name}”申诉处理结果",
                 f"您对“{policy.spec.name}”{made.period}期比对结果的申诉经主管部门核实"
                 f"{APPEAL_DECISION_NAMES[made.decision]}：{text}", ctx.now)
    audit.record(ctx.session, ctx.actor, "decide_policy_appeal", "policy_appeal", made.id,
                 after={"decision": made.decision, "match": made.match_id})
    ctx.session.flush()
    return made


def _by_hand(ctx: Ctx, made: PolicyAppeal, amount: Decimal, why: str) -> PolicyMatch:
    match = ctx.session.scalar(select(PolicyMatch).where(
        PolicyMatch.policy_code == made.policy_code, PolicyMatch.holder_key == made.holder_key,
        PolicyMatch.period == made.period).with_for_update())
    facts = {"by_hand": {"appeal": made.id, "unmet": made.unmet, "reason": made.reason,
                         "decided_by": ctx.actor.username}}
    if match is None:
        match = PolicyMatch(policy_code=made.policy_code, holder_kind=made.holder_kind,
                            holder_key=made.holder_key, period=made.period)
        ctx.session.add(match)
    elif match.status != MatchStatus.stopped.value:
        raise Conflict("本期已有该政策的待遇", code="already_matched")
    match.amount, match.status, match.facts = amount, MatchStatus.matched.value, facts
    match.note, match.matched_at = why, ctx.now
    ctx.session.flush()
    return match



def period_now(ctx: Ctx, code: str) -> str:
    """The policy's period today (YYYY-MM, YYYY, or "" for a one-off)."""
    return period_of(policy_of(ctx.catalog, code), ctx.today)


def staff_only(actor: Principal) -> None:
    """The lists of the departments' work are theirs (and administrators')."""
    if not works_on_payouts(actor):
        raise Forbidden("政策兑现的审核和发放由政策主管部门办理", code="role_not_allowed")
