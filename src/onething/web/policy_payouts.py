"""Pages of policy payouts (政策兑现): a holder's 我的政策待遇 (matches, the confirmation form,
appeals), the 公示 list with its objection form, and the department's page (approval,
objections and appeals to decide, payout batches and their file for the bank). The same
services as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.kernel.errors import DomainError
from onething.policies import payouts
from onething.policies.calculator import may_calculate
from onething.policies.flow import STATUS_NAMES, MatchStatus
from onething.policies.models import PolicyMatch
from onething.policies.people import holder_keys
from onething.policies.shown import mask_account, mask_holder, mask_name
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, PageDep, page_for, see_other
from onething.web.words import said

router = APIRouter(include_in_schema=False)
HolderPage = Annotated[Page, Depends(page_for(may_calculate))]
StaffPage = Annotated[Page, Depends(page_for(payouts.works_on_payouts))]


def _status_name(page: Page, m: PolicyMatch) -> str:
    policy = page.ctx.catalog.policies.get(m.policy_code)
    if m.status == MatchStatus.matched.value and policy is not None and not policy.spec.confirm:
        return "待审核发放"
    return STATUS_NAMES[MatchStatus(m.status)]


def _shown(page: Page) -> dict[str, Any]:
    """What every page of payouts draws a match with."""
    return {"policies": page.ctx.catalog.policies, "mask_account": mask_account,
            "mask_holder": mask_holder, "mask_name": mask_name,
            "name_in_facts": payouts.name_in_facts,
            "status_name": lambda m: _status_name(page, m)}


# --- the holder's page -------------------------------------------------------------------


def _mine(page: Page, error: str | None = None, code: int = 200, sent_for: str | None = None,
          sent: dict[str, str] | None = None) -> HTMLResponse:
    ctx = page.ctx
    found = payouts.my_matches(ctx)
    confirmable = {m.id for m in found if m.status == MatchStatus.matched.value
                   and (p := ctx.catalog.policies.get(m.policy_code)) is not None
                   and p.spec.confirm}
    return page.render("policy_mine.html", code, matches=found, confirmable=confirmable,
                       holders=holder_keys(ctx), appeals=payouts.my_appeals(ctx),
                       decisions=payouts.APPEAL_DECISION_NAMES, error=error,
                       sent_for=sent_for, sent=sent or {}, **_shown(page))


@router.get("/my/policies", response_class=HTMLResponse)
def mine(page: HolderPage) -> Response:
    return _mine(page)


@router.post("/my/policies/{match_id:id}/confirm")
def confirm(match_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            payouts.confirm(ctx, match_id, payouts.Confirmation(
                account_name=page.text("account_name") or "",
                account_bank=page.text("account_bank") or "",
                account_number=page.text("account_number") or "",
                amount=page.text("amount") or ""))
    except DomainError as exc:
        if not may_calculate(page.me):
            raise
        return _mine(page, said(exc), exc.status, f"match-{match_id}", page.sent())
    return see_other(f"/my/policies#match-{match_id}")


@router.post("/policies/appeal")
def appeal(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            payouts.appeal(ctx, page.text("policy") or "", page.text("reason") or "",
                           page.text("company"))
    except DomainError as exc:
        if not may_calculate(page.me):
            raise
        return _mine(page, said(exc), exc.status)
    return see_other("/my/policies#appeals")


# --- 公示 --------------------------------------------------------------------------------


def _publicity(page: Page, error: str | None = None, code: int = 200,
               sent_for: str | None = None) -> HTMLResponse:
    return page.render("policy_publicity.html", code, matches=payouts.in_publicity(page.ctx),
                       error=error, sent_for=sent_for, done=page.request.query_params.get(
                           "objected"), **_shown(page))


@router.get("/policy-publicity", response_class=HTMLResponse)
def publicity(page: PageDep) -> Response:
    return _publicity(page)


@router.post("/policy-publicity/{match_id:id}/object")
def object_to(match_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            payouts.object_to(ctx, match_id, page.text("reason") or "")
    except DomainError as exc:
        return _publicity(page, said(exc), exc.status, f"match-{match_id}")
    return see_other("/policy-publicity?objected=1")


# --- the department's page ---------------------------------------------------------------


def _staff(page: Page, chosen: str | None = None, error: str | None = None,
           code: int = 200) -> HTMLResponse:
    ctx = page.ctx
    handled = payouts.policies_handled(ctx)
    policy = next((p for p in handled if p.code == chosen), handled[0] if handled else None)
    matches: list[PolicyMatch] = []
    ready: set[int] = set()
    why: dict[int, str] = {}
    if policy is not None:
        matches = payouts.staff_matches(ctx, policy.code)
        for m in matches:
            reason = payouts.not_ready(ctx, m, policy)
            if reason is None:
                ready.add(m.id)
            else:
                why[m.id] = reason
    codes = {policy.code} if policy else set()
    return page.render(
        "policy_payouts.html", code, handled=handled, policy=policy, matches=matches,
        ready=ready, why=why, period=payouts.period_now(ctx, policy.code) if policy else "",
        approved={m.period for m in matches if m.status == MatchStatus.approved.value},
        objections=[(o, m) for o, m in payouts.objections(ctx) if m.policy_code in codes],
        appeals=[a for a in payouts.appeals(ctx) if a.policy_code in codes],
        batches=[b for b in payouts.batches(ctx) if b.policy_code in codes],
        error=error, **_shown(page))


@router.get("/policy-payouts", response_class=HTMLResponse)
def staff(page: StaffPage, policy: str = "") -> Response:
    return _staff(page, policy[:64] or None)


def _staff_step(page: FormPage, code: str | None, step: Any) -> Response:
    """Run a department's step; back to its policy's page, or the page with the refusal."""
    ctx = page.ctx
    try:
        with ctx.work():
            step(ctx)
    except DomainError as exc:
        if not payouts.works_on_payouts(page.me):
            raise
        return _staff(page, code, said(exc), exc.status)
    return see_other(f"/policy-payouts?policy={code or ''}")


def _code_of(page: FormPage) -> str | None:
    return (page.text("policy") or "")[:64] or None


@router.post("/policy-payouts/matches/{match_id:id}/approve")
def approve(match_id: int, page: FormPageDep) -> Response:
    return _staff_step(page, _code_of(page), lambda ctx: payouts.approve(ctx, match_id))


@router.post("/policy-payouts/{policy_code}/approve-ready")
def approve_ready(policy_code: str, page: FormPageDep) -> Response:
    period = page.text("period") or ""
    return _staff_step(page, policy_code,
                       lambda ctx: payouts.approve_ready(ctx, policy_code, period))


@router.post("/policy-payouts/{policy_code}/batch")
def batch(policy_code: str, page: FormPageDep) -> Response:
    period = page.text("period") or ""
    return _staff_step(page, policy_code,
                       lambda ctx: payouts.pay(ctx, policy_code, period or None))


def _upheld(page: FormPage) -> bool | None:
    """The form's decision: upheld or dismissed; None when neither (the service, having
    found the objection or appeal, refuses it naming `decision`)."""
    return {payouts.UPHELD: True, payouts.DISMISSED: False}.get(page.text("decision") or "")


@router.post("/policy-payouts/objections/{objection_id:id}")
def decide_objection(objection_id: int, page: FormPageDep) -> Response:
    return _staff_step(page, _code_of(page), lambda ctx: payouts.decide_objection(
        ctx, objection_id, _upheld(page), page.text("answer") or ""))


@router.post("/policy-payouts/appeals/{appeal_id:id}")
def decide_appeal(appeal_id: int, page: FormPageDep) -> Response:
    return _staff_step(page, _code_of(page), lambda ctx: payouts.decide_appeal(
        ctx, appeal_id, _upheld(page), page.text("answer") or "", page.text("amount")))


@router.get("/policy-payouts/batches/{batch_id:id}/file")
def batch_file(batch_id: int, page: StaffPage) -> Response:
    ctx = page.ctx
    with ctx.work():  # the export is audited
        name, data = payouts.export(ctx, batch_id)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
