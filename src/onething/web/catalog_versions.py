"""事项目录发布 for administrators: the catalog's versions with their status, author, reviewer
and dates; a draft submitted by upload (a zip of the catalog folder or one YAML file,
validated like `onething catalog load`, its problems shown by file and line); a version's
page with what it changes, item by item, and its review, publication and the rollback. No
JavaScript; the same services as the API (`catalog.publishing`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from onething.catalog import publishing
from onething.catalog.diff import KIND_NAMES
from onething.catalog.upload import MAX_BYTES, read_upload
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other

router = APIRouter(include_in_schema=False)
CatalogAdmin = Annotated[Page, Depends(page_for(publishing.manages_catalog))]
DONE = {"submitted": "草稿已提交，请另一位管理员审核", "reviewed": "已审核通过，可以发布",
        "returned": "已退回草稿", "published": "已发布，现为现行目录",
        "scheduled": "已安排定时发布", "rolled_back": "已回退到上一个发布版本"}


def _refusing(page: FormPage, exc: DomainError) -> None:
    """A refusal for someone who may not manage the catalog is the plain refusal page."""
    if not publishing.manages_catalog(page.me):
        raise exc


def _lines(problems: list[FieldProblem]) -> list[str]:
    return [f"{p.field}：{p.message}" for p in problems]


# --- the list ----------------------------------------------------------------------------


def _list_page(page: Page, status: int = 200, error: str | None = None,
               refused: list[str] | None = None, done: str = "") -> HTMLResponse:
    ctx = page.ctx
    with ctx.reading() as read:
        rows = publishing.versions(read.session, page.me)
        current = next((r for r in rows if r.status == publishing.PUBLISHED), None)
    return page.render("admin_catalog.html", status, rows=rows, current=current,
                       names=publishing.STATUS_NAMES, error=error, refused=refused or [],
                       done=DONE.get(done), max_mb=MAX_BYTES // 1024 // 1024)


@router.get("/admin/catalog", response_class=HTMLResponse)
def versions(page: CatalogAdmin, done: str = "") -> HTMLResponse:
    return _list_page(page, done=done)


@router.post("/admin/catalog", response_class=HTMLResponse)
def submit(page: FormPageDep) -> Response:
    ctx = page.ctx
    upload = page.form.get("file")
    try:
        publishing.require(page.me)  # before reading the upload
        data = upload.file.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
        name = (upload.filename if isinstance(upload, UploadFile) else None) or "catalog.zip"
        document, problems = read_upload(data, name)
        with ctx.work():
            row = publishing.submit(ctx.session, page.me, document, problems, name, ctx.now)
    except DomainError as exc:
        _refusing(page, exc)
        return _list_page(page, exc.status, exc.detail, _lines(exc.problems))
    return see_other(f"/admin/catalog/{row.id}?done=submitted")


@router.post("/admin/catalog/rollback", response_class=HTMLResponse)
def rollback(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            row = publishing.rollback(ctx.session, page.me, page.text("reason") or "", ctx.now)
    except DomainError as exc:
        _refusing(page, exc)
        return _list_page(page, exc.status, exc.detail, _lines(exc.problems))
    page.request.app.state.catalogs.clear()
    return see_other(f"/admin/catalog/{row.id}?done=rolled_back")


# --- one version -------------------------------------------------------------------------


def _version_page(page: Page, version_id: int, status: int = 200, *, done: str = "",
                  error: str | None = None, refused: list[str] | None = None,
                  sent: dict[str, Any] | None = None) -> HTMLResponse:
    ctx = page.ctx
    with ctx.reading() as read:
        row = publishing.version(read.session, page.me, version_id)
        compared = publishing.compared(read.session, row)
    return page.render("admin_catalog_version.html", status, row=row, base=compared.base,
                       changes=compared.changes, kinds=KIND_NAMES,
                       names=publishing.STATUS_NAMES,
                       steps=publishing.steps(row, page.me, compared.stale),
                       stale=compared.stale and row.status in ('draft', 'reviewed'),
                       own=row.author_id == page.me.user_id, done=DONE.get(done),
                       error=error, refused=refused or [], sent=sent or {},
                       today=ctx.today.isoformat())


@router.get("/admin/catalog/{version_id:id}", response_class=HTMLResponse)
def one(version_id: int, page: CatalogAdmin, done: str = "") -> HTMLResponse:
    return _version_page(page, version_id, done=done)


@router.post("/admin/catalog/{version_id:id}/{step}", response_class=HTMLResponse)
def act(version_id: int, step: str, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            done = _step(page, version_id, step)
    except DomainError as exc:
        _refusing(page, exc)
        return _version_page(page, version_id, exc.status, error=exc.detail,
                             refused=_lines(exc.problems), sent=page.sent())
    if done in ("published", "rolled_back"):
        page.request.app.state.catalogs.clear()
    return see_other(f"/admin/catalog/{version_id}?done={done}")


def _step(page: FormPage, version_id: int, step: str) -> str:
    ctx = page.ctx
    if step == "review":
        approve = page.text("verdict") == "reviewed"
        publishing.review(ctx.session, page.me, version_id, approve,
                          page.text("comment") or "", ctx.now)
        return "reviewed" if approve else "returned"
    if step == "publish":
        row = publishing.publish(ctx.session, page.me, version_id, _day(page.text("on")),
                                 ctx.now, ctx.today)
        return "published" if row.status == publishing.PUBLISHED else "scheduled"
    publishing.version(ctx.session, page.me, version_id)  # 404 / 403 before the step's name
    raise Invalid("没有这个操作", code="unknown_step")


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("发布日期无效", problems=[
            FieldProblem("on", "请按“年-月-日”填写，如 2027-01-01")]) from exc
