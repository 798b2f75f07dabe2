"""系统管理: the administration home and the staff directory (工作人员名录) for
administrators — list, add, edit, lock, unlock and end staff accounts of their region and
below, and import a CSV file of them. No JavaScript; the same services as the API
(`identity.staff`), the rules `identity.directory`'s."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from onething.catalog.browse import region_choices
from onething.identity import directory as rules
from onething.identity import staff
from onething.identity.directory import StaffRow
from onething.identity.models import User
from onething.kernel.errors import DomainError, NotFound
from onething.kernel.privacy import Personal, mask
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, number, page_for, see_other
from onething.web.words import problems_by_field, said

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[Page, Depends(page_for(rules.manages_staff))]
STATES = rules.STATE_NAMES
PAGE_SIZE = 50
DONE = {"edited": "已保存修改", "unchanged": "没有需要保存的修改",
        "locked": "账号已锁定，其登录已全部退出", "unlocked": "已解除锁定",
        "ended": "账号已停用，其登录已全部退出"}
ADDED = "账号已创建"
MOVED = {"lock": "locked", "unlock": "unlocked", "end": "ended"}
SAMPLE = ("username,display_name,role,region,department,phone,email\n"
          "wang_furong,王芳,clerk,430102,,0731-12345678,\n"
          "li_scjg,李明,approver,430102,SCJG,,li@example.cn\n")


def _choices(page: Page) -> dict[str, Any]:
    """What the forms offer: the roles, the regions of the administrator's scope, the
    departments."""
    catalog = page.ctx.catalog
    levels = ("province", "city", "county", "township", "village")
    regions = [c for c in region_choices(catalog, levels, with_code=True)
               if rules.in_scope(catalog.regions, page.me, c.code)]
    names = {c.code: c.label for c in region_choices(catalog, levels)}
    departments = sorted((d.code, f"{d.name}（{d.code}）")
                         for d in catalog.departments.values())
    return {"roles": rules.STAFF_ROLE_NAMES, "regions": regions, "departments": departments,
            "states": STATES, "region_names": names,
            "department_names": {d.code: d.name for d in catalog.departments.values()}}


def _row(page: FormPage, username: str = "") -> StaffRow:
    text = page.text
    return StaffRow(username=username or (text("username") or "").strip(),
                    display_name=(text("display_name") or "").strip(),
                    role=rules.role_of(text("role") or ""),
                    region=(text("region") or "").strip() or None,
                    department=(text("department") or "").strip() or None,
                    phone=(text("phone") or "").strip() or None,
                    email=(text("email") or "").strip() or None)


def _refusing(page: FormPage, exc: DomainError) -> None:
    """A refusal for someone who may not run a directory is the plain refusal page."""
    if not rules.manages_staff(page.me):
        raise exc


# --- the home ----------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def home(page: AdminPage) -> HTMLResponse:
    ctx = page.ctx
    with ctx.reading() as read:
        counts = staff.count_staff(read.session, page.me, read.catalog)
    scope = ctx.catalog.regions.get(page.me.region or "")
    return page.render("admin_home.html", counts=counts, states=STATES,
                       scope=scope.name if scope else "全部地区")


# --- the directory -----------------------------------------------------------------------


def _list_page(page: Page, status: int = 200, error: str | None = None,
               errors: dict[str, str] | None = None, sent: dict[str, str] | None = None,
               role: str = "", state: str = "", q: str = "", region: str = "",
               page_no: int = 1) -> HTMLResponse:
    ctx = page.ctx
    params = {"role": role, "state": state, "q": q, "region": region}
    chosen = {"role": role or None, "region": region or None, "text": q or None}
    with ctx.reading() as read:
        counts = staff.count_staff(read.session, page.me, read.catalog, **chosen)
        total = counts.get(state, 0) if state in counts else sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        page_no = min(max(page_no, 1), pages)
        people = staff.list_staff(read.session, page.me, read.catalog, state=state or None,
                                  limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE, **chosen)
        rows = [_shown(user) for user in people]
    link = "/admin/staff?" + urlencode({k: v for k, v in params.items() if v})
    return page.render("admin_staff.html", status, people=rows, error=error,
                       errors=errors or {}, sent=sent or {}, params=params, total=total,
                       page_no=page_no, pages=pages, link=link.rstrip("?"),
                       open_add=bool(sent), **_choices(page))


def _shown(user: User) -> dict[str, Any]:
    """A row of the list: the phone masked (the account's page shows it whole)."""
    return {**staff.view(user), "phone": mask(user.phone, Personal.phone)}


@router.get("/admin/staff", response_class=HTMLResponse)
def directory(page: AdminPage, role: str = "", state: str = "", q: str = "",
              region: str = "", p: str = "1") -> HTMLResponse:
    return _list_page(page, role=role[:32], state=state[:16], q=q[:64], region=region[:12],
                      page_no=number(p) or 1)


@router.post("/admin/staff", response_class=HTMLResponse)
def add(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            user, password = staff.add_staff(ctx.session, page.me, ctx.catalog, _row(page),
                                             ctx.now, page.text("password"))
            user_id = user.id
    except DomainError as exc:
        _refusing(page, exc)
        return _list_page(page, exc.status, said(exc), problems_by_field(exc),
                          page.sent())
    return _staff_page(page, user_id, 201, password=password,
                       done=ADDED)


def _staff_page(page: Page, user_id: int, status: int = 200, *, password: str | None = None,
                temporary: bool = False, done: str | None = None, error: str | None = None,
                errors: dict[str, str] | None = None,
                sent: dict[str, str] | None = None) -> HTMLResponse:
    ctx = page.ctx
    with ctx.reading() as read:
        user = staff.get_staff(read.session, page.me, read.catalog, user_id)
        shown = staff.view(user)
        facts = staff.facts(user)
        history = staff.history(read.session, page.me, read.catalog, user_id)
    return page.render("admin_staff_one.html", status, s=shown, u=shown["user"],
                       password=password, done=done, error=error, errors=errors or {},
                       history=history, temporary=temporary, field_names=rules.FIELD_NAMES,
                       sent=sent or {k: v or "" for k, v in facts.items()},
                       own=user_id == page.me.user_id, **_choices(page))


@router.get("/admin/staff/{staff_id:id}", response_class=HTMLResponse)
def one(staff_id: int, page: AdminPage, done: str = "") -> HTMLResponse:
    return _staff_page(page, staff_id, done=DONE.get(done))


@router.post("/admin/staff/{staff_id:id}", response_class=HTMLResponse)
def edit(staff_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            changed = staff.edit_staff(ctx.session, page.me, ctx.catalog, staff_id,
                                       _row(page), ctx.now)
    except DomainError as exc:
        _refusing(page, exc)
        if exc.status == 404:
            raise
        return _staff_page(page, staff_id, exc.status, error=said(exc),
                           errors=problems_by_field(exc), sent=page.sent())
    return see_other(f"/admin/staff/{staff_id}?done={'edited' if changed else 'unchanged'}")


@router.post("/admin/staff/{staff_id:id}/password", response_class=HTMLResponse)
def temporary_password(staff_id: int, page: FormPageDep) -> Response:
    """设置临时密码: shown once on the page; the person sets their own at the next sign-in."""
    ctx = page.ctx
    try:
        with ctx.work():
            _, password = staff.issue_temporary_password(ctx.session, page.me, ctx.catalog,
                                                         staff_id, page.text("reason"), ctx.now)
    except DomainError as exc:
        _refusing(page, exc)
        if exc.status == 404:
            raise
        return _staff_page(page, staff_id, exc.status, error=said(exc), errors={
            f"password_{k}": v for k, v in problems_by_field(exc).items()})
    return _staff_page(page, staff_id, password=password, temporary=True,
                       done="已设置临时密码，该账号的登录已全部退出")


@router.post("/admin/staff/{staff_id:id}/{step}", response_class=HTMLResponse)
def move(staff_id: int, step: str, page: FormPageDep) -> Response:
    """锁定 (lock), 解除锁定 (unlock), 停用 (end)."""
    ctx, reason = page.ctx, page.text("reason")
    steps = {
        "lock": lambda: staff.lock_staff(ctx.session, page.me, ctx.catalog, staff_id, reason,
                                         ctx.now),
        "unlock": lambda: staff.unlock_staff(ctx.session, page.me, ctx.catalog, staff_id,
                                             ctx.now),
        "end": lambda: staff.end_staff(ctx.session, page.me, ctx.catalog, staff_id, reason,
                                       ctx.now)}
    taken = steps.get(step)
    if taken is None:
        raise NotFound("没有这项操作", code="no_such_step")
    try:
        with ctx.work():
            taken()
    except DomainError as exc:
        _refusing(page, exc)
        if exc.status == 404:
            raise
        return _staff_page(page, staff_id, exc.status, error=said(exc),
                           errors={f"{step}_{k}": v for k, v in problems_by_field(exc).items()})
    return see_other(f"/admin/staff/{staff_id}?done={MOVED[step]}")


# --- the import --------------------------------------------------------------------------


@router.get("/admin/staff/import", response_class=HTMLResponse)
def import_form(page: AdminPage) -> HTMLResponse:
    return page.render("admin_staff_import.html", columns=rules.COLUMNS, sample=SAMPLE,
                       report=None, refused=None, error=None, **_choices(page))


@router.post("/admin/staff/import", response_class=HTMLResponse)
def import_file(page: FormPageDep) -> Response:
    upload = page.form.get("file")
    data = upload.file.read(rules.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    ctx = page.ctx
    try:
        with ctx.work():
            report = staff.import_staff(ctx.session, page.me, ctx.catalog, data, ctx.now)
    except DomainError as exc:
        _refusing(page, exc)
        return page.render("admin_staff_import.html", exc.status, columns=rules.COLUMNS,
                           sample=SAMPLE, report=None, error=exc.detail,
                           refused=[p.message for p in exc.problems], **_choices(page))
    return page.render("admin_staff_import.html", columns=rules.COLUMNS, sample=SAMPLE,
                       report=report, refused=None, error=None,
                       outcomes=staff.OUTCOME_NAMES, names=rules.FIELD_NAMES,
                       **_choices(page))
