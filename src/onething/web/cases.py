"""Pages for each role: apply, my applications, the window's workbench, the department's
inbox, the application with its timeline, the wallet. The same services as the API."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

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
from onething.exchange import service as exchange
from onething.files import service as files
from onething.files.models import StoredFile
from onething.guide.engine import (
    FieldStatus,
    Guide,
    GuideError,
    MaterialStatus,
    compute_guide,
)
from onething.guide.forms import answers_from_form
from onething.http.deps import SessionDep, policy_of, sign_in
from onething.http.files import file_response
from onething.identity import service as identity
from onething.identity import sso
from onething.kernel.db import UnitOfWork
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
from onething.profiles import service as profiles
from onething.ratings import service as ratings
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import (
    FormDep,
    FormPage,
    FormPageDep,
    Page,
    PageDep,
    number,
    page_for,
    see_other,
)
from onething.web.identity import password_page
from onething.web.session import (
    COOKIE,
    HOME,
    LOGIN_CSRF,
    check_csrf,
    clear_cookie,
    current_user,
    safe_next,
    set_cookie,
)
from onething.web.sso import login_form, provider_logout
from onething.web.words import field_hints, said

router = APIRouter(include_in_schema=False)


# --- login ------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "", expired: str = "",
               done: str = "") -> Response:
    notice = "登录已超时或已退出，请重新登录" if expired == "1" else None
    return login_form(request, safe_next(next) or "", notice, done=PASSWORD_DONE.get(done))


# what the login page says after a password was set on the password pages
PASSWORD_DONE = {"reset": "密码已重置，您的其他登录已全部退出，请用新密码登录",
                 "changed": "密码已修改，请用新密码登录"}


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    next_url = safe_next(form.get("next"))
    username = str(form.get("username") or "")
    sent, expected = str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_CSRF, "")
    try:
        with UnitOfWork(session):  # a refused login is kept: it counts towards a lock
            if not expected or not secrets.compare_digest(sent, expected):
                raise Forbidden("页面已过期，请重新登录", code="csrf_failed")
            user = sign_in(request, session, username, str(form.get("password") or ""), "web")
            identity.require_own_password(user)
            now = request.app.state.clock()
            identity.close_session(session, request.cookies.get(COOKIE, ""), now)  # no fixation
            secret, row = identity.open_session(session, user, "web", now, policy_of(request))
    except DomainError as exc:
        if exc.code == "password_change_required":  # a temporary password: set one first
            return password_page(request, "change", exc.status, notice=exc.detail,
                                 sent={"username": username})
        refused = login_form(request, next_url or "", exc.detail, exc.status, username)
        if isinstance(exc, TooManyRequests):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    response = see_other(next_url or HOME[Role(user.role)])
    set_cookie(response, request, COOKIE, secret,
               int((row.expires_at - row.created_at).total_seconds()))
    clear_cookie(response, request, LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    user, id_token = current_user(request, session), None
    if user is not None:
        check_csrf(form, user)
        with UnitOfWork(session):
            identity.close_session(session, request.cookies.get(COOKIE, ""),
                                   request.app.state.clock())
            id_token = sso.end(session, user.auth.token_hash)
    response = see_other(provider_logout(request, id_token))  # and at the provider
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


def _apply_page(page: Page, bundle: Bundle, answers: dict[str, Any],
                values: dict[str, Any], kept: dict[str, str], errors: dict[str, str],
                action: str, status: int = 200,
                resubmit: Application | None = None,
                reused: profiles.Reuse | None = None) -> HTMLResponse:
    ctx = page.ctx
    applicant_id = resubmit.applicant_id if resubmit else _applicant_id(ctx, values)
    held = licences.held_types(ctx.session, applicant_id, ctx.today)
    barred = credit.bar_reason(credit.current(ctx.session, applicant_id, ctx.today))
    try:
        guide = compute_guide(ctx.catalog, bundle.code, answers, held.keys(),
                              commitments=barred is None)
    except GuideError as exc:
        raise Invalid(str(exc), code=exc.code) from exc
    if reused is not None:  # the form starts from the applicant's file
        values = {**{f"field.{code}": value for code, value in reused.for_form(
            *_fill_and_produced(guide)).items()}, **values}
    notices = {m.code: notices_for(ctx.catalog.items, m.material, m.items)
               for m in guide.materials if m.status == MaterialStatus.commitment}
    regions = sorted((code for code in ctx.catalog.regions
                      if browse.offered_in(ctx.catalog, bundle, code)
                      and ctx.catalog.regions[code].level in ("county", "township")
                      and access.may_apply_in(ctx, code)),
                     key=lambda c: c)
    field_regions = browse.region_choices(ctx.catalog, ("county",), with_code=True)
    return page.render("apply.html", status, bundle=bundle, guide=guide,
                       answers=answers, values=values, kept=kept, errors=errors, action=action,
                       error_list=_error_list(errors), kept_names=_file_names(ctx, kept),
                       new_key=secrets.token_hex(12), barred=barred, notices=notices,
                       regions=[ctx.catalog.regions[c] for c in regions], resubmit=resubmit,
                       resubmit_region=office_name(ctx.catalog, resubmit.region_code, "")
                       if resubmit else "",
                       asks_applicant=access.applies_for_others(ctx.actor),
                       needs_consent=access.needs_consent(ctx.actor),
                       field_regions=field_regions, field_hints=field_hints,
                       field_region_codes={r.code for r in field_regions},
                       reused=reused, reused_codes=_reused_codes(guide, reused),
                       choose_link=_choose_link(page))


def _fill_and_produced(guide: Guide) -> tuple[set[str], set[str]]:
    """The codes of the form's fields to fill, and of those an earlier stage produces."""
    return ({f.code for f in guide.fields if f.status == FieldStatus.fill},
            {f.code for f in guide.fields if f.status == FieldStatus.produced})


def _reused_codes(guide: Guide, reused: profiles.Reuse | None) -> list[str]:
    """The fields of this form the applicant's file filled in."""
    return list(reused.for_form(*_fill_and_produced(guide))) if reused else []


def _choose_link(page: Page) -> str:
    """This page's address without its `company`, to choose another company's values."""
    kept = [(k, v) for k, v in page.request.query_params.multi_items() if k != "company"]
    return f"{page.request.url.path}?{urlencode(kept)}"



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
def apply_page(code: str, page: PageDep, company: str = "") -> HTMLResponse:
    """The form, starting from what the applicant's file holds (their name, ID number,
    phone; the company they represent, or the one chosen with `company`)."""
    bundle = _bundle(page.ctx.catalog, code)
    answers = answers_from_form(bundle, page.request.query_params)
    reused = profiles.reuse(page.ctx, company[:40] or None)
    return _apply_page(page, bundle, answers, {}, {}, {}, f"/bundles/{code}/apply",
                       reused=reused)


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
    _store_consent(ctx, form, root, kept, problems)
    for m_code in {k[7:] for k in form if k.startswith("choice.")} | set(kept) - {CONSENT}:
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
        idempotency_key=str(form.get("idempotency_key") or "") or None,
        assisted=_walk_in(form, kept) if access.applies_for_others(ctx.actor) else None)
    return sub, kept


CONSENT = "_assisted_consent"  # 帮办: the signed consent's upload, kept like a material's


def _store_consent(ctx: Ctx, form: FormData, root: Path, kept: dict[str, str],
                   problems: list[FieldProblem]) -> None:
    value = form.get("assisted.consent")
    if not isinstance(value, UploadFile) or not value.filename or not value.size:
        return
    try:
        kept[CONSENT] = files.store(ctx.session, root, ctx.actor, value.filename,
                                    value.file).id
    except DomainError as exc:
        problems.append(FieldProblem("assisted.consent_file", f"帮办授权书“"
                                     f"{files.display_name(value.filename)}”未能上传：{exc.detail}"))


def _walk_in(form: FormData, kept: dict[str, str]) -> cases.WalkIn | None:
    """帮办: the walk-in's name, ID number and phone and their consent, when given."""
    given = {k: str(form.get(f"assisted.{k}") or "").strip() for k in ("name", "id_number",
                                                                      "phone")}
    if not any(given.values()) and CONSENT not in kept:
        return None
    return cases.WalkIn(name=given["name"], id_number=given["id_number"],
                        phone=given["phone"] or None, consent_file=kept.get(CONSENT, ""))


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
            **({f"assisted.{k}": getattr(sub.assisted, k) or "" for k in (
                "name", "id_number", "phone")} if sub.assisted else {}),
            "_idempotency_key": str(form.get("idempotency_key") or ""),
            **{f"choice.{k}": next(iter(v)) for k, v in sub.materials.items()}}


NO_CONSENT = ("{}：{} 尚未授权您代为办理（或授权已撤销）。请申请人登录后在“代办授权”页面授权您，"
              "或到综合窗口登记书面授权；您填写的内容已保留，授权后再次提交即可。")
REUSED = ("这份申请表已经提交过（可在“我的办件”中查看），之后内容又有改动。"
          "如要按改动后的内容另行提交一份新的申请，请再次点击“提交申请”。")


def _send_form(page: FormPage, bundle: Bundle, action: str,
               send: Callable[[Submission], int],
               resubmit: Application | None = None) -> Response:
    """Store the uploads, then submit or resubmit; on refusal show the form again with every
    problem, keeping what was typed and uploaded (the refusal is answered within the unit of
    work, which keeps the uploads; the step refused wrote nothing)."""
    ctx, form = page.ctx, page.form
    problems: list[FieldProblem] = []
    with ctx.work():
        sub, kept = _submission_from(ctx, bundle, form, _files_root(page.request), problems)
        try:
            if problems:
                raise Invalid("上传的文件有误", problems=problems)
            app_id = send(sub)
        except Forbidden as exc:
            if exc.code != "no_consent":
                raise
            errors = {"applicant": NO_CONSENT.format(exc.detail, sub.applicant or "")}
            return _apply_page(page, bundle, sub.answers, _form_state(sub, form), kept,
                               errors, action, status=exc.status, resubmit=resubmit)
        except Invalid as exc:
            errors = {p.field: p.message for p in (problems + exc.problems)} or {"": exc.detail}
            state = _form_state(sub, form)
            if exc.code == "idempotency_key_reused":  # sent again changed: a new application
                del state["_idempotency_key"]
                errors = {"": REUSED}
            return _apply_page(page, bundle, sub.answers, state, kept, errors, action,
                               status=422, resubmit=resubmit)
    return see_other(f"/applications/{app_id}")


@router.post("/bundles/{code}/apply", response_class=HTMLResponse)
def apply(code: str, page: FormPageDep) -> Response:
    ctx = page.ctx
    return _send_form(page, _bundle(ctx.catalog, code), f"/bundles/{code}/apply",
                      lambda sub: cases.submit(ctx, sub).id)


@router.get("/applications/{application_id:id}/resubmit", response_class=HTMLResponse)
def resubmit_page(application_id: int, page: PageDep) -> HTMLResponse:
    ctx = page.ctx
    app = cases.for_resubmission(ctx, application_id)
    bundle = _bundle(ctx.catalog, app.bundle_code)
    values = {**{f"field.{k}": v for k, v in cases.resubmission_form(ctx, app).items()},
              **{f"choice.{m['code']}": m["provided"] for m in app.materials
                 if m.get("provided") in ("commitment", "deferred")},  # their own choice
              "_region": app.region_code}
    kept = {m["code"]: m["file"] for m in app.materials if m.get("file")}
    return _apply_page(page, bundle, app.answers, values, kept, {},
                       f"/applications/{application_id}/resubmit", resubmit=app)


@router.post("/applications/{application_id:id}/resubmit", response_class=HTMLResponse)
def resubmit(application_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    app = cases.for_resubmission(ctx, application_id)
    return _send_form(page, _bundle(ctx.catalog, app.bundle_code),
                      f"/applications/{application_id}/resubmit",
                      lambda sub: cases.resubmit(ctx, application_id, sub).id, resubmit=app)


# --- lists ------------------------------------------------------------------------------


@router.get("/my/applications", response_class=HTMLResponse)
def my_applications(page: PageDep) -> Response:
    found = cases.list_applications(page.ctx, limit=100)
    return page.render("applications.html", title="我的办件", applications=found,
                       catalog=page.ctx.catalog, filter_status=None, statuses=None,
                       offer_apply=access.applies_online(page.me))


@router.get("/workbench", response_class=HTMLResponse)
def workbench(page: Annotated[Page, Depends(page_for(access.has_workbench))],
              status: str = "submitted") -> Response:
    chosen = status if status in {s.value for s in AppStatus} or status == "all" else "submitted"
    found = cases.list_applications(page.ctx, None if chosen == "all" else chosen, limit=100)
    return page.render("applications.html", title="综合窗口工作台",
                       applications=found, catalog=page.ctx.catalog, filter_status=chosen,
                       statuses=["submitted", "accepted_with_deficiency", "in_progress",
                                 "completed", "partly_denied", "denied", "returned", "all"])


@router.get("/inbox", response_class=HTMLResponse)
def inbox(page: Annotated[Page, Depends(page_for(access.has_inbox))]) -> Response:
    ctx, me = page.ctx, page.me
    found = tasks.inbox(ctx, limit=200)
    numbers = cases.numbers(ctx, {t.application_id for t in found})
    office = office_name(ctx.catalog, me.region or "", me.department or "")
    open_checks = commitments.count_checks(ctx, commitments.CheckQuery(status="open"))
    return page.render("inbox.html", tasks=found, numbers=numbers, office=office,
                       today=ctx.today, catalog=ctx.catalog, open_checks=open_checks,
                       late_ids={t.id for t in found if durations.running_late(t, ctx.today)})


@router.get("/wallet", response_class=HTMLResponse)
def wallet(page: PageDep) -> Response:
    ctx = page.ctx
    found = licences.wallet(ctx.session, page.me.user_id)
    return page.render("wallet.html", licences=found,
                       numbers=cases.numbers(ctx, {lic.application_id for lic in found}),
                       holders={lic.number: licences.holder_line(lic) for lic in found},
                       data={lic.number: licences.shown_data(lic, ctx.catalog)
                             for lic in found})


# --- one application ----------------------------------------------------------------------


def application_page(page: Page, application_id: int, error: str | None = None,
                     status: int = 200, view: cases.CaseView | None = None,
                     sent: dict[str, str] | None = None,
                     sent_for: str | None = None) -> HTMLResponse:
    """The case; given a `view` from `reveal_personal_data`, with personal values in full;
    after a refused step, `sent` is what the form `sent_for` (its anchor) sent, shown again
    as it was (the chosen action and the typed text). Forms of other domains on this page
    (ratings, 核查) show it again with their refusals."""
    ctx = page.ctx
    full = view is not None
    view = view or cases.view(ctx, application_id)
    out = ApplicationOut.of_view(ctx, view, full=full)
    rated = ratings.ratings_of(ctx, application_id)
    services = ratings.services(ctx, view.application)
    checks = commitments.follow_up_checks_of(ctx, view.application)
    a = view.application
    return page.render("application.html", status, app=out,
                       actions=case_actions.on_page(ctx, a, out.actions),
                       error=error, today=ctx.today, catalog=ctx.catalog,
                       procedures=tasks.SPECIAL_PROCEDURES, rated=rated, checks=checks,
                       decidable={c.id for c in checks if commitments.decidable(ctx.actor, c)},
                       no_deficiency=None if case_actions.deficiency_allowed(a) else
                       cases.IMMEDIATE_NO_DEFICIENCY,
                       supplement_over=case_actions.supplement_period_over(a, ctx.today),
                       results_issued=results_issued(a.status),
                       mine=access.on_applicant_side(ctx, a),
                       CHECK_NAMES=commitments.STATUS_NAMES, RECT_NAMES=ratings.STATUS_NAMES,
                       targets=[t for t in services if t.state == ratings.RATABLE],
                       waiting=[t for t in services if t.state == ratings.WAITING],
                       service_names={t.service: t.name for t in services},
                       **rating_form_context(),
                       masked=not full and not access.sees_personal_data(ctx, a),
                       personal=personal_codes(a.form, ctx.catalog.fields),
                       partners=exchange.partners_for_form(),
                       applicant_credit=_applicant_credit(ctx, a),
                       sent=sent or {}, sent_for=sent_for)


def _applicant_credit(ctx: Ctx, app: Application) -> credit.Standing | None:
    """What the applicant's credit allows today, for the staff who handle the case (the
    window deciding 容缺, the offices relying on 告知承诺): the case is in their scope."""
    if not ctx.actor.is_staff:
        return None
    return credit.may_use(ctx.session, credit.holder_of(ctx.session, app.applicant_id),
                          ctx.today)


def rating_form_context() -> dict[str, Any]:
    """What the rating forms (rating_forms.html) show."""
    return {"LEVELS": ratings.LEVELS, "INDICATORS": ratings.INDICATORS,
            "TARGET_INDICATORS": ratings.TARGET_INDICATORS}


@router.get("/applications/{application_id:id}", response_class=HTMLResponse)
def show_application(application_id: int, page: PageDep) -> HTMLResponse:
    return application_page(page, application_id)


def act(page: FormPage, application_id: int, step: Callable[[Ctx], Any],
        shown: Callable[[Any], Response] | None = None, which: str | None = None) -> Response:
    """Run one step for the application page, in the unit of work; on refusal (nothing of it
    kept) show the page with the reason, and the form `which` (its anchor) as it was sent.
    Done, go back to the page, or answer with `shown(result)`, rendered before the commit so
    that a writer does not take SQLite's write lock a second time."""
    try:
        with page.ctx.work():
            result = step(page.ctx)
            answer = shown(result) if shown else see_other(f"/applications/{application_id}")
    except DomainError as exc:
        return application_page(page, application_id, said(exc), exc.status,
                                sent=page.sent(), sent_for=which)
    return answer


@router.post("/applications/{application_id:id}/personal-data", response_class=HTMLResponse)
def personal_data(application_id: int, page: FormPageDep) -> Response:
    """Staff who need them see the personal values in full; the view is audited."""
    return act(page, application_id,
               lambda ctx: cases.reveal_personal_data(ctx, application_id),
               lambda view: application_page(page, application_id, view=view))


@router.post("/applications/{application_id:id}/acceptance")
def acceptance(application_id: int, page: FormPageDep) -> Response:
    notice: list[NoticeEntry] = [{"subject": "", "message": line.strip()}
                                 for line in (page.text("notice") or "").splitlines()
                                 if line.strip()]
    decision = WindowDecision(decision=page.text("decision") or "",
                              reason=page.text("reason"), notice=notice,
                              supplement_days=number(page.form.get("supplement_days")))
    return act(page, application_id,
               lambda ctx: cases.decide_at_window(ctx, application_id, decision), which="window")


@router.post("/applications/{application_id:id}/delivery")
def delivery(application_id: int, page: FormPageDep) -> Response:
    return act(page, application_id,
               lambda ctx: cases.deliver(ctx, application_id, page.text("method") or "",
                                         page.text("tracking_number"), page.text("note")),
               which="deliver")


@router.post("/applications/{application_id:id}/withdrawal")
def withdrawal(application_id: int, page: FormPageDep) -> Response:
    return act(page, application_id,
               lambda ctx: cases.withdraw(ctx, application_id, page.text("reason")),
               which="withdraw")


@router.post("/applications/{application_id:id}/supplement")
def supplement(application_id: int, page: FormPageDep) -> Response:
    def step(ctx: Ctx) -> None:
        chosen: dict[str, dict[str, Any]] = {}
        for key, value in page.form.multi_items():
            if key.startswith("material.") and isinstance(value, UploadFile) and value.filename:
                stored = files.store(ctx.session, _files_root(page.request), ctx.actor,
                                     value.filename, value.file)
                chosen[key[9:]] = {"file": stored.id}
        cases.supplement(ctx, application_id, chosen)

    return act(page, application_id, step, which="supplement-s")


@router.post("/tasks/{task_id:id}/decision")
def decision(task_id: int, page: FormPageDep) -> Response:
    form = page.form
    application_id = number(form.get("application_id")) or 0
    action = str(form.get("action") or "")
    data = {key[5:]: str(value).strip() for key, value in form.items()
            if key.startswith("data.") and str(value).strip()} if action == "approve" else {}
    d = tasks.Decision(action=action, version=number(form.get("version")) or 0,
                       reason=str(form.get("reason") or "") or None,
                       procedure=str(form.get("procedure") or "") or None,
                       procedure_days=number(form.get("procedure_days")), data=data)
    return act(page, application_id,
               lambda ctx: tasks.decide(ctx, task_id, d), which=f"decide-{task_id}")


@router.get("/applications/{application_id:id}/files/{file_id}")
def material_file(application_id: int, file_id: str, page: PageDep) -> Response:
    """A material of an application, for whoever may see that application."""
    ctx = page.ctx
    app = cases.view(ctx, application_id).application
    consent = app.assisted_consent["file"] if app.assisted_consent else None
    if file_id not in {m.get("file") for m in app.materials} | {consent}:
        raise NotFound("该办件没有这个材料文件", code="file_not_found")
    row = ctx.session.get(StoredFile, file_id)
    if row is None:
        raise NotFound("该办件没有这个材料文件", code="file_not_found")
    return file_response(page.request.app.state.settings.data_dir, row)
