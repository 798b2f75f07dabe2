"""系统管理 · 工作日历 and 系统设置 for administrators: the State Council holiday notices
loaded, a notice file previewed (the days it changes, the open deadlines it moves, nothing
written) and then loaded (the deadlines recomputed); the card profile and the settings in
force, read-only. No JavaScript: the preview carries the file back to the confirmation as
a hidden field, with the preview's key (`cases.deadlines`), so the confirmation loads
exactly what was previewed, against the calendar it was previewed on."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from onething.calendar import service as calendar
from onething.calendar.service import MAX_NOTICE_BYTES
from onething.cases import deadlines
from onething.catalog.service import current_version
from onething.kernel.config import database_kind, shown_settings
from onething.kernel.errors import DomainError, Invalid
from onething.kernel.workdays import built_in_years
from onething.supervision.profile import described, load_profile
from onething.web.deps import FormPage, FormPageDep, Page, number, page_for, see_other
from onething.web.words import said

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[Page, Depends(page_for(calendar.may_see))]
EXAMPLE = """year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 春节, from: 2027-02-05, to: 2027-02-12}
workdays: [2027-02-20]
"""


def _calendar_page(page: Page, status: int = 200, error: str | None = None,
                   done: dict[str, int] | None = None) -> HTMLResponse:
    with page.ctx.reading() as read:
        years = calendar.years(read.session)
        may_load = calendar.may_load(page.me, read.catalog.regions)
    return page.render("admin_calendar.html", status, years=years,
                       built_in=_span(built_in_years()), error=error, done=done,
                       may_load=may_load, example=EXAMPLE, max_kb=MAX_NOTICE_BYTES // 1024)


def _refusing(page: FormPage, exc: DomainError) -> None:
    """Someone who may not see the calendar gets the plain refusal page."""
    if not calendar.may_see(page.me):
        raise exc


@router.get("/admin/calendar", response_class=HTMLResponse)
def calendar_page(page: AdminPage, loaded: str = "", moved: str = "") -> HTMLResponse:
    year = number(loaded)
    done = {"year": year, "moved": number(moved) or 0} if year else None
    return _calendar_page(page, done=done)


@router.post("/admin/calendar/preview", response_class=HTMLResponse)
def preview(page: FormPageDep) -> Response:
    upload = page.form.get("file")
    text = upload.file.read(MAX_NOTICE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    ctx = page.ctx
    try:
        with ctx.reading() as read:
            seen = deadlines.preview(read.session, page.me, read.catalog.regions, text)
    except DomainError as exc:
        _refusing(page, exc)
        return _calendar_page(page, exc.status, said(exc))
    return page.render("admin_calendar_preview.html", p=seen, kinds=deadlines.KIND_NAMES,
                       document=base64.b64encode(text).decode("ascii"))


@router.post("/admin/calendar/load", response_class=HTMLResponse)
def load(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        text = _document(page.text("document") or "")
        with ctx.work():
            done = deadlines.load(ctx.session, page.me, ctx.catalog.regions, text,
                                  page.text("preview") or "")
    except DomainError as exc:
        _refusing(page, exc)
        return _calendar_page(page, exc.status, said(exc))
    return see_other(f"/admin/calendar?loaded={done.year}&moved={done.moves.total}")


def _document(value: str) -> bytes:
    """The previewed file, as the preview page carried it."""
    try:
        text = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("预览内容不完整，请重新上传并预览", code="bad_document") from exc
    if not text:
        raise Invalid("预览内容不完整，请重新上传并预览", code="bad_document")
    return text


def _span(years: range) -> str:
    return f"{years.start}—{years.stop - 1} 年" if years else "无"


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(page: AdminPage) -> HTMLResponse:
    settings = page.request.app.state.settings
    profile = load_profile(settings.card_profile)
    with page.ctx.reading() as read:
        years = calendar.years(read.session)
        dialect = read.session.get_bind().dialect.name
        in_force = current_version(read.session)
    platform: list[tuple[str, str, str]] = [
        ("数据库类型", database_kind(dialect), ""),
        ("事项目录版本", f"#{in_force.id}（摘要 {in_force.digest[:12]}）" if in_force
         else "尚未发布", "/admin/catalog"),
        ("已加载放假安排的年份",
         "、".join(str(y.year) for y in sorted(years, key=lambda y: y.year)) or "无",
         "/admin/calendar"),
        ("平台内置放假安排的年份", _span(built_in_years()), "/admin/calendar"),
    ]
    return page.render("admin_settings.html", profile=profile, checks=described(profile),
                       platform=platform, groups=shown_settings(settings))

