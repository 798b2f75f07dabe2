"""Pages for each role: apply, my applications, the window's workbench, the department's
inbox, the application with its timeline, the wallet. The same services as the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from onething.api.files import file_response
from onething.cases import access, durations, tasks
from onething.cases import actions as case_actions
from onething.cases import service as cases
from onething.cases.models import Application, NoticeEntry
from onething.cases.routing import office_name
from onething.cases.schemas import ApplicationOut
from onething.cases.service import Submission, WindowDecision
from onething.cases.states import AppStatus, results_issued
from onething.catalog import browse
from onething.catalog.context import Ctx
from onething.catalog.linked import Bundle, Catalog
from onething.catalog.privacy import personal_codes
from onething.commitments import service as commitments
from onething.commitments.notice import notices_for
from onething.credit import service as credit
from onething.files import service as files
from onething.files.models import StoredFile
from onething.guide.engine import GuideError, MaterialStatus, compute_guide
from onething.guide.forms import answers_from_form
from onething.http.deps import CatalogDep, SessionDep, policy_of, sign_in
from onething.identity import service as identity
from onething.kernel.errors import (
    DomainError,
    FieldProblem,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
)
from onething.kernel.principal import Role
from onething.licences import service as licences
from onething.ratings import service as ratings
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.pages import render
from onething.web.session import (
    COOKIE,
    HOME,
    LOGIN_CSRF,
    WebUser,
    check_csrf,
    clear_cookie,
    current_user,
    new_login_csrf,
    page_ctx,
    require_user,
    safe_next,
    set_cookie,
)
from onething.web.words import field_hints, said

router = APIRouter(include_in_schema=False)


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=40, max_fields=400)


FormDep = Annotated[FormData, Depends(read_form)]


def _page(request: Request, template: str, user: WebUser | None, status: int = 200,
          **context: Any) -> HTMLResponse:
    return render(request, template, status, me=user.principal if user else None,
                  csrf=user.csrf if user else "", **context)


def number(value: Any) -> int | None:
    """A form's whole number, or None: `isdigit` alone accepts "²", which `int` refuses."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- login ------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "", expired: str = "") -> Response:
    notice = "登录已超时或已退出，请重新登录" if expired == "1" else None
    return _login_form(request, safe_next(next) or "", notice)


def _login_form(request: Request, next_url: str, error: str | None, status: int = 200,
                username: str = "") -> Response:
    token = new_login_csrf()
    response = _page(request, "login.html", None, status=status, next=next_url,
                     login_csrf=token, error=error, username=username)
    set_cookie(response, request, LOGIN_CSRF, token, 3600, samesite="strict")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    next_url = safe_next(form.get("next"))
    username = str(form.get("username") or "")
    sent, expected = str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_CSRF, "")
    try:
        if not expected or not secrets.compare_digest(sent, expected):
            raise Forbidden("页面已过期，请重新登录", code="csrf_failed")
        user = sign_in(request, session, username, str(form.get("password") or ""), "web")
    except DomainError as exc:
        refused = _login_form(request, next_url or "", exc.detail, exc.status, username)
        if isinstance(exc, TooManyRequests):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    now = request.app.state.clock()
    identity.close_session(session, request.cookies.get(COOKIE, ""), now)  # no fixation
    secret, row = identity.open_session(session, user, "web", now, policy_of(request))
    session.commit()
    response = _see_other(next_url or HOME[Role(user.role)])
    set_cookie(response, request, COOKIE, secret,
               int((row.expires_at - row.created_at).total_seconds()))
    clear_cookie(response, request, LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    user = current_user(request, session)
    if user is not None:
        check_csrf(form, user)
        identity.close_session(session, request.cookies.get(COOKIE, ""),
                               request.app.state.clock())
        session.commit()
    response = _see_other("/")
    clear_cookie(response, request, COOKIE)
    return response


# --- applying ---------------------------------------------------------------------------


class _Prefixed:
    """A view of the form's `answer.<code>` inputs, as the guide's form reader expects."""

    def __init__(self, form: FormData | Any, prefix: str) -> None:
        self.form, self.prefix = form, prefix

    def getlist(self, key: str) -> list[Any]:
        return list(self.form.getlist(self.prefix + key))

    def __contains__(self, key: object) -> bool:
        return f"{self.prefix}{key}" in self.form


def _bundle(catalog: Catalog, code: str) -> Bundle:
    bundle = catalog.bundles.get(code)
    if bundle is None:
        raise NotFound(f"没有代码为 {code} 的一件事", code="bundle_not_found")
    return bundle


def _apply_page(request: Request, ctx: Ctx, user: WebUser, bundle: Bundle,
                answers: dict[str, Any], values: dict[str, Any], kept: dict[str, str],
                errors: dict[str, str], action: str, status: int = 200,
                resubmit: Application | None = None) -> HTMLResponse:
    applicant_id = resubmit.applicant_id if resubmit else _applicant_id(ctx, values)
    held = licences.held_types(ctx.session, applicant_id, ctx.today)
    barred = credit.bar_reason(credit.current(ctx.session, applicant_id, ctx.today))
    try:
        guide = compute_guide(ctx.catalog, bundle.code, answers, held.keys(),
                              commitments=barred is None)
    except GuideError as exc:
        raise Invalid(str(exc), code=exc.code) from exc
    notices = {m.code: notices_for(ctx.catalog.items, m.material, m.items)
               for m in guide.materials if m.status == MaterialStatus.commitment}
    regions = sorted((code for code in ctx.catalog.regions
                      if browse.offered_in(ctx.catalog, bundle, code)
                      and ctx.catalog.regions[code].level in ("county", "township")
                      and access.may_apply_in(ctx, code)),
                     key=lambda c: c)
    field_regions = _field_regions(ctx.catalog)
    return _page(request, "apply.html", user, status=status, bundle=bundle, guide=guide,
                 answers=answers, values=values, kept=kept, errors=errors, action=action,
                 error_list=_error_list(errors), kept_names=_file_names(ctx, kept),
                 new_key=secrets.token_hex(12), barred=barred, notices=notices,
                 regions=[ctx.catalog.regions[c] for c in regions], resubmit=resubmit,
                 resubmit_region=office_name(ctx.catalog, resubmit.region_code, "")
                 if resubmit else "",
                 asks_applicant=access.applies_for_others(ctx.actor),
                 needs_consent=access.needs_consent(ctx.actor),
                 field_regions=field_regions, field_hints=field_hints,
                 field_region_codes={r.code for r in field_regions})


@dataclass(frozen=True)
class _RegionChoice:
    code: str
    label: str


def _field_regions(catalog: Catalog) -> list[_RegionChoice]:
    """What a 行政区划 field offers: the counties, each under its city's name."""
    regions = catalog.regions
    return [_RegionChoice(code, f"{regions[r.parent].name if r.parent in regions else ''}"
                                f"{r.name}（{code}）")
            for code, r in sorted(regions.items()) if r.level == "county"]


def _error_list(errors: dict[str, str]) -> list[tuple[str, str]]:
    """The refusal's messages, each once (a cross-field check names each of its fields with
    one message), with the anchor of the first input it is about."""
    listed: dict[str, str] = {}
    for where, message in errors.items():
        listed.setdefault(message, where.replace(".", "-"))
    return [(anchor, message) for message, anchor in listed.items()]


def _file_names(ctx: Ctx, kept: dict[str, str]) -> dict[str, str]:
    """The names of the files uploaded before, by material, to say which one is kept."""
    if not kept:
        return {}
    rows = ctx.session.scalars(select(StoredFile).where(StoredFile.id.in_(set(kept.values()))))
    names = {row.id: row.filename for row in rows}
    return {code: names[file_id] for code, file_id in kept.items() if file_id in names}


def _applicant_id(ctx: Ctx, values: dict[str, Any]) -> int:
    name = values.get("_applicant")
    if name and access.applies_for_others(ctx.actor):
        try:
            return identity.find_user(ctx.session, str(name)).id
        except NotFound:
            return -1
    return ctx.actor.user_id


@router.get("/bundles/{code}/apply", response_class=HTMLResponse)
def apply_page(request: Request, code: str, session: SessionDep,
               catalog: CatalogDep) -> HTMLResponse:
    user = require_user(request, session)
    ctx = page_ctx(request, session, catalog, user)
    bundle = _bundle(catalog, code)
    answers = answers_from_form(bundle, request.query_params)
    return _apply_page(request, ctx, user, bundle, answers, {}, {}, {},
                       f"/bundles/{code}/apply")


def _submission_from(ctx: Ctx, bundle: Bundle, form: FormData, root: Path,
                     problems: list[FieldProblem]) -> tuple[Submission, dict[str, str]]:
    """The form's answers, fields and materials; uploads are stored right away and kept."""
    kept: dict[str, str] = {}
    materials: dict[str, dict[str, Any]] = {}
    for key in form:
        if key.startswith("kept.") and form.get(key):
            kept[key[5:]] = str(form.get(key))
    for key, value in form.multi_items():
        if key.startswith("material.") and isinstance(value, UploadFile) and value.filename:
            code = key[9:]
            if not value.size:
                continue
            try:
                stored = files.store(ctx.session, root, ctx.actor, value.filename, value.file)
            except DomainError as exc:
                problems.append(FieldProblem(f"materials.{code}", _upload_refused(
                    ctx.catalog, code, value.filename, exc)))
                continue
            kept[code] = stored.id
    for m_code in {k[7:] for k in form if k.startswith("choice.")} | set(kept):
        choice = str(form.get(f"choice.{m_code}") or "file")
        if choice in ("commitment", "deferred"):
            materials[m_code] = {choice: True}
        elif m_code in kept:
            materials[m_code] = {"file": kept[m_code]}
    values = {k[6:]: v for k, v in form.items() if k.startswith("field.")}
    sub = Submission(
        bundle=bundle.code, region=str(form.get("region") or ""),
        answers=answers_from_form(bundle, _Prefixed(form, "answer.")),
        form={k: v for k, v in values.items() if str(v).strip()}, materials=materials,
        channel=access.page_channel(ctx.actor),
        applicant=str(form.get("applicant") or "") or None,
        idempotency_key=str(form.get("idempotency_key") or "") or None)
    return sub, kept


def _upload_refused(catalog: Catalog, code: str, filename: str, exc: DomainError) -> str:
    """Which material a refused upload was for, and which file: 「房屋租赁合同」的文件
    “笔记.txt”未能上传：只接受 PDF、JPEG 或 PNG 文件。"""
    material = catalog.materials.get(code)
    name = material.name if material else "材料"
    return f"“{name}”的文件“{files.display_name(filename)}”未能上传：{exc.detail}"


def _files_root(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir)


def _form_state(sub: Submission, form: FormData) -> dict[str, Any]:
    return {**{f"field.{k}": v for k, v in sub.form.items()},
            "_applicant": sub.applicant or "", "_region": sub.region,
            "_idempotency_key": str(form.get("idempotency_key") or ""),
            **{f"choice.{k}": next(iter(v)) for k, v in sub.materials.items()}}


NO_CONSENT = ("{}：{} 尚未授权您代为办理（或授权已撤销）。请申请人登录后在“代办授权”页面授权您，"
              "或到综合窗口登记书面授权；您填写的内容已保留，授权后再次提交即可。")
REUSED = ("这份申请表已经提交过（可在“我的办件”中查看），之后内容又有改动。"
          "如要按改动后的内容另行提交一份新的申请，请再次点击“提交申请”。")


def _send_form(request: Request, ctx: Ctx, user: WebUser, bundle: Bundle, form: FormData,
               action: str, send: Any, resubmit: Application | None = None) -> Response:
    """Store the uploads, then submit or resubmit; on refusal show the form again with every
    problem, keeping what was typed and uploaded."""
    problems: list[FieldProblem] = []
    sub, kept = _submission_from(ctx, bundle, form, _files_root(request), problems)
    try:
        if problems:
            raise Invalid("上传的文件有误", problems=problems)
        app_id = send(sub)
    except Forbidden as exc:
        if exc.code != "no_consent":
            raise
        ctx.session.commit()  # keep what was uploaded, as for any refusal of the form
        errors = {"applicant": NO_CONSENT.format(exc.detail, sub.applicant or "")}
        return _apply_page(request, ctx, user, bundle, sub.answers, _form_state(sub, form),
                           kept, errors, action, status=exc.status, resubmit=resubmit)
    except Invalid as exc:
        ctx.session.commit()  # keep what was uploaded, so nothing is lost
        errors = {p.field: p.message for p in (problems + exc.problems)} or {"": exc.detail}
        state = _form_state(sub, form)
        if exc.code == "idempotency_key_reused":  # sent again changed: a new application
            del state["_idempotency_key"]
            errors = {"": REUSED}
        return _apply_page(request, ctx, user, bundle, sub.answers, state, kept, errors,
                           action, status=422, resubmit=resubmit)
    ctx.session.commit()
    return _see_other(f"/applications/{app_id}")


@router.post("/bundles/{code}/apply", response_class=HTMLResponse)
def apply(request: Request, code: str, session: SessionDep, catalog: CatalogDep,
          form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    ctx = page_ctx(request, session, catalog, user)
    return _send_form(request, ctx, user, _bundle(catalog, code), form,
                      f"/bundles/{code}/apply", lambda sub: cases.submit(ctx, sub).id)


@router.get("/applications/{application_id:id}/resubmit", response_class=HTMLResponse)
def resubmit_page(request: Request, application_id: int, session: SessionDep,
                  catalog: CatalogDep) -> HTMLResponse:
    user = require_user(request, session)
    ctx = page_ctx(request, session, catalog, user)
    app = cases.for_resubmission(ctx, application_id)
    bundle = _bundle(catalog, app.bundle_code)
    values = {**{f"field.{k}": v for k, v in cases.resubmission_form(ctx, app).items()},
              **{f"choice.{m['code']}": m["provided"] for m in app.materials
                 if m.get("provided") in ("commitment", "deferred")},  # their own choice
              "_region": app.region_code}
    kept = {m["code"]: m["file"] for m in app.materials if m.get("file")}
    return _apply_page(request, ctx, user, bundle, app.answers, values, kept, {},
                       f"/applications/{application_id}/resubmit", resubmit=app)


@router.post("/applications/{application_id:id}/resubmit", response_class=HTMLResponse)
def resubmit(request: Request, application_id: int, session: SessionDep,
             catalog: CatalogDep, form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    ctx = page_ctx(request, session, catalog, user)
    app = cases.for_resubmission(ctx, application_id)
    return _send_form(request, ctx, user, _bundle(catalog, app.bundle_code), form,
                      f"/applications/{application_id}/resubmit",
                      lambda sub: cases.resubmit(ctx, application_id, sub).id, resubmit=app)


# --- lists ------------------------------------------------------------------------------


@router.get("/my/applications", response_class=HTMLResponse)
def my_applications(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    ctx = page_ctx(request, session, catalog, user)
    found = cases.list_applications(ctx, limit=100)
    return _page(request, "applications.html", user, title="我的办件", applications=found,
                 catalog=catalog, filter_status=None, statuses=None,
                 offer_apply=access.applies_online(user.principal))


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request, session: SessionDep, catalog: CatalogDep,
              status: str = "submitted") -> Response:
    user = require_user(request, session)
    if not access.has_workbench(user.principal):
        return _see_other(HOME[user.principal.role])
    ctx = page_ctx(request, session, catalog, user)
    chosen = status if status in {s.value for s in AppStatus} or status == "all" else "submitted"
    found = cases.list_applications(ctx, None if chosen == "all" else chosen, limit=100)
    return _page(request, "applications.html", user, title="综合窗口工作台",
                 applications=found, catalog=catalog, filter_status=chosen,
                 statuses=["submitted", "accepted_with_deficiency", "in_progress", "completed",
                           "partly_denied", "denied", "returned", "all"])


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    if not access.has_inbox(user.principal):
        return _see_other(HOME[user.principal.role])
    ctx = page_ctx(request, session, catalog, user)
    found = tasks.inbox(ctx, limit=200)
    numbers = cases.numbers(ctx, {t.application_id for t in found})
    office = office_name(catalog, user.principal.region or "", user.principal.department or "")
    open_checks = commitments.count_checks(ctx, commitments.CheckQuery(status="open"))
    return _page(request, "inbox.html", user, tasks=found, numbers=numbers,
                 office=office, today=ctx.today, catalog=catalog, open_checks=open_checks,
                 late_ids={t.id for t in found if durations.running_late(t, ctx.today)})


@router.get("/wallet", response_class=HTMLResponse)
def wallet(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    found = licences.wallet(session, user.principal.user_id)
    ctx = page_ctx(request, session, catalog, user)
    return _page(request, "wallet.html", user, licences=found,
                 numbers=cases.numbers(ctx, {lic.application_id for lic in found}),
                 holders={lic.number: licences.holder_line(lic) for lic in found},
                 data={lic.number: licences.shown_data(lic, catalog) for lic in found})


# --- one application ----------------------------------------------------------------------


def _application_page(request: Request, ctx: Ctx, user: WebUser, application_id: int,
                      error: str | None = None, status: int = 200,
                      view: cases.CaseView | None = None, sent: dict[str, str] | None = None,
                      sent_for: str | None = None) -> HTMLResponse:
    """The case; given a `view` from `reveal_personal_data`, with personal values in full;
    after a refused step, `sent` is what the form `sent_for` (its anchor) sent, shown again
    as it was (the chosen action and the typed text)."""
    full = view is not None
    view = view or cases.view(ctx, application_id)
    out = ApplicationOut.of_view(ctx, view, full=full)
    rated = ratings.ratings_of(ctx, application_id)
    services = ratings.services(ctx, view.application)
    checks = commitments.follow_up_checks_of(ctx, view.application)
    a = view.application
    return _page(request, "application.html", user, status=status, app=out,
                 actions=case_actions.on_page(ctx, a, out.actions),
                 error=error, today=ctx.today, catalog=ctx.catalog,
                 procedures=tasks.SPECIAL_PROCEDURES, rated=rated, checks=checks,
                 decidable={c.id for c in checks if commitments.decidable(ctx.actor, c)},
                 no_deficiency=None if case_actions.deficiency_allowed(a) else
                 cases.IMMEDIATE_NO_DEFICIENCY,
                 supplement_over=case_actions.supplement_period_over(a, ctx.today),
                 results_issued=results_issued(a.status), mine=access.on_applicant_side(ctx, a),
                 CHECK_NAMES=commitments.STATUS_NAMES, RECT_NAMES=ratings.STATUS_NAMES,
                 targets=[t for t in services if t.state == ratings.RATABLE],
                 waiting=[t for t in services if t.state == ratings.WAITING],
                 service_names={t.service: t.name for t in services},
                 **rating_form_context(),
                 masked=not full and not access.sees_personal_data(ctx, a),
                 personal=personal_codes(a.form, ctx.catalog.fields),
                 sent=sent or {}, sent_for=sent_for)


def rating_form_context() -> dict[str, Any]:
    """What the rating forms (rating_forms.html) show."""
    return {"LEVELS": ratings.LEVELS, "INDICATORS": ratings.INDICATORS,
            "TARGET_INDICATORS": ratings.TARGET_INDICATORS}


@router.get("/applications/{application_id:id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: int, session: SessionDep,
                     catalog: CatalogDep) -> HTMLResponse:
    user = require_user(request, session)
    return _application_page(request, page_ctx(request, session, catalog, user), user,
                             application_id)


def _act(request: Request, session: Any, catalog: Catalog, form: FormData,
         application_id: int, step: Any, shown: Any = None, which: str | None = None) -> Response:
    """Run one step for the application page; on refusal show the page with the reason, and
    the form `which` (its anchor) as it was sent. Done, go back to the page, or answer with
    `shown(ctx, user, result)`, rendered before the commit so that a writer does not take
    SQLite's write lock a second time."""
    user = require_user(request, session)
    check_csrf(form, user)
    ctx = page_ctx(request, session, catalog, user)
    try:
        result = step(ctx)
    except DomainError as exc:
        session.rollback()
        return _application_page(request, ctx, user, application_id, said(exc), exc.status,
                                 sent=sent_values(form), sent_for=which)
    answer = shown(ctx, user, result) if shown else _see_other(
        f"/applications/{application_id}")
    session.commit()
    return answer


def sent_values(form: FormData) -> dict[str, str]:
    """What a form sent, to show it again after a refusal (no token, no files)."""
    return {key: str(value) for key, value in form.multi_items()
            if key != "csrf_token" and not isinstance(value, UploadFile)}


@router.post("/applications/{application_id:id}/personal-data", response_class=HTMLResponse)
def personal_data(request: Request, application_id: int, session: SessionDep,
                  catalog: CatalogDep, form: FormDep) -> Response:
    """Staff who need them see the personal values in full; the view is audited."""
    return _act(request, session, catalog, form, application_id,
                lambda ctx: cases.reveal_personal_data(ctx, application_id),
                lambda ctx, user, view: _application_page(request, ctx, user, application_id,
                                                          view=view))


@router.post("/applications/{application_id:id}/acceptance")
def acceptance(request: Request, application_id: int, session: SessionDep,
               catalog: CatalogDep, form: FormDep) -> Response:
    notice: list[NoticeEntry] = [{"subject": "", "message": line.strip()}
                                 for line in str(form.get("notice") or "").splitlines()
                                 if line.strip()]
    decision = WindowDecision(decision=str(form.get("decision") or ""),
                              reason=str(form.get("reason") or "") or None, notice=notice,
                              supplement_days=number(form.get("supplement_days")))
    return _act(request, session, catalog, form, application_id,
                lambda ctx: cases.decide_at_window(ctx, application_id, decision), which="window")


@router.post("/applications/{application_id:id}/delivery")
def delivery(request: Request, application_id: int, session: SessionDep,
             catalog: CatalogDep, form: FormDep) -> Response:
    return _act(request, session, catalog, form, application_id,
                lambda ctx: cases.deliver(ctx, application_id, str(form.get("method") or ""),
                                          str(form.get("tracking_number") or "") or None,
                                          str(form.get("note") or "") or None),
                which="deliver")


@router.post("/applications/{application_id:id}/withdrawal")
def withdrawal(request: Request, application_id: int, session: SessionDep,
               catalog: CatalogDep, form: FormDep) -> Response:
    return _act(request, session, catalog, form, application_id,
                lambda ctx: cases.withdraw(ctx, application_id,
                                           str(form.get("reason") or "") or None),
                which="withdraw")


@router.post("/applications/{application_id:id}/supplement")
def supplement(request: Request, application_id: int, session: SessionDep,
               catalog: CatalogDep, form: FormDep) -> Response:
    def step(ctx: Ctx) -> None:
        chosen: dict[str, dict[str, Any]] = {}
        for key, value in form.multi_items():
            if key.startswith("material.") and isinstance(value, UploadFile) and value.filename:
                stored = files.store(ctx.session, _files_root(request), ctx.actor,
                                     value.filename, value.file)
                chosen[key[9:]] = {"file": stored.id}
        cases.supplement(ctx, application_id, chosen)

    return _act(request, session, catalog, form, application_id, step, which="supplement-s")


@router.post("/tasks/{task_id:id}/decision")
def decision(request: Request, task_id: int, session: SessionDep, catalog: CatalogDep,
             form: FormDep) -> Response:
    application_id = number(form.get("application_id")) or 0
    action = str(form.get("action") or "")
    data = {key[5:]: str(value).strip() for key, value in form.items()
            if key.startswith("data.") and str(value).strip()} if action == "approve" else {}
    d = tasks.Decision(action=action, version=number(form.get("version")) or 0,
                       reason=str(form.get("reason") or "") or None,
                       procedure=str(form.get("procedure") or "") or None,
                       procedure_days=number(form.get("procedure_days")), data=data)
    return _act(request, session, catalog, form, application_id,
                lambda ctx: tasks.decide(ctx, task_id, d), which=f"decide-{task_id}")


@router.get("/applications/{application_id:id}/files/{file_id}")
def material_file(request: Request, application_id: int, file_id: str, session: SessionDep,
                  catalog: CatalogDep) -> Response:
    """A material of an application, for whoever may see that application."""
    user = require_user(request, session)
    ctx = page_ctx(request, session, catalog, user)
    app = cases.view(ctx, application_id).application
    if file_id not in {m.get("file") for m in app.materials}:
        raise NotFound("该办件没有这个材料文件", code="file_not_found")
    row = session.get(StoredFile, file_id)
    if row is None:
        raise NotFound("该办件没有这个材料文件", code="file_not_found")
    return file_response(request.app.state.settings.data_dir, row)
