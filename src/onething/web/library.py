"""Pages of the document library (文件库): the public search (words, filters, ranked,
paged; no script), a document's page (whether it is in force today — or on any date asked —
and since when, its status timeline, related documents and 解读, downloads), the Atom feed
of new documents; and for editors the form to enter or change a document and to record a
status change. The same services as the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from onething.http.deps import CatalogDep, SessionDep
from onething.http.files import file_response
from onething.kernel.clock import china_date
from onething.kernel.errors import DomainError, FieldProblem, Invalid, NotFound
from onething.library import rules
from onething.library import service as library
from onething.library.models import Document
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other
from onething.web.render import render_public
from onething.web.words import said

router = APIRouter(include_in_schema=False)
EditorPage = Annotated[Page, Depends(page_for(rules.edits_any))]
PAGE_SIZE = 10
STATUS_CHOICES = (("valid", "有效"), ("amended", "已修改"), ("expired", "失效"),
                  ("repealed", "废止"), (rules.NOT_YET, rules.NOT_YET_NAME))
DATE_NAMES = {"written_on": "成文日期", "published_on": "发布日期", "effective_on": "施行日期",
              "on": "变更日期"}


def _today(request: Request) -> dt.date:
    return china_date(request.app.state.clock())


def _day(value: str | None, name: str, required: bool) -> dt.date | None:
    if not value:
        if required:
            raise Invalid("请填写日期", problems=[FieldProblem(name, f"请填写{DATE_NAMES[name]}")])
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("日期有误", problems=[FieldProblem(
            name, f"{DATE_NAMES[name]}应为日期，如 2020-03-01")]) from None


@router.get("/library", response_class=HTMLResponse)
def search(request: Request, session: SessionDep, catalog: CatalogDep,
           q: Annotated[str, Query(max_length=rules.QUERY_MAX)] = "",
           body: Annotated[str, Query(max_length=100)] = "",
           year: Annotated[str, Query(max_length=4)] = "",
           status: Annotated[str, Query(max_length=16)] = "",
           category: Annotated[str, Query(max_length=rules.CATEGORY_MAX)] = "",
           page: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    """文件库: published documents searched by words and filtered (anyone, no script)."""
    today = _today(request)
    filters = library.Filters(q, body or None, int(year) if year.isdigit() else None,
                              status or None, category or None)
    error = None
    try:
        found = library.search(session, catalog, filters, today, PAGE_SIZE,
                               (page - 1) * PAGE_SIZE)
    except DomainError as exc:
        found, error = library.Found(0, [], []), said(exc)
    used = {d.body_code + "@" + d.region_code for d in found.documents}
    names = {key: library.body_name(catalog, *key.split("@")) for key in used}
    query = {"q": q, "body": body, "year": year, "status": status, "category": category}
    return render_public(
        request, "library_search.html", found=found, today=today, page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)), query=query, error=error,
        statuses=library.statuses_on(session, found.documents, today), names=names,
        years=library.years(session), categories=library.categories(session),
        status_choices=STATUS_CHOICES, bodies=_used_bodies(session, catalog))


def _used_bodies(session: Any, catalog: Any) -> list[str]:
    """The names of the bodies that issued documents in the library (the body filter)."""
    from sqlalchemy import select

    pairs = session.execute(select(Document.body_code, Document.region_code).distinct())
    return sorted({library.body_name(catalog, code, region) for code, region in pairs})


def _document_page(request: Request, session: Any, catalog: Any, doc: Document,
                   as_of: dt.date | None, ctx: Any = None,
                   code: int = 200, error: str | None = None,
                   errors: dict[str, str] | None = None) -> HTMLResponse:
    today = _today(request)
    day = as_of or today
    timeline = library.history(session, doc.id)
    later_ids = {c.replaced_by_id for c in timeline if c.replaced_by_id}
    later = {d.id: d for d in session.query(Document).filter(Document.id.in_(later_ids))} \
        if later_ids else {}
    context = dict(
        doc=doc, today=today, as_of=as_of, day=day, now=library.status_on(session, doc, day),
        timeline=timeline, later=later, related=library.related(session, doc),
        earlier=library.replaced(session, doc), body=library.body_name(
            catalog, doc.body_code, doc.region_code),
        region=catalog.regions[doc.region_code].name if doc.region_code in catalog.regions
        else doc.region_code, categories=rules.categories_of(doc.categories),
        names=rules.STATUS_NAMES, editable=ctx is not None and library.may_edit(ctx, doc),
        error=error, errors=errors or {}, statuses=list(rules.DocStatus))
    return render_public(request, "library_document.html", code, **context)


@router.get("/library/{doc_id:id}", response_class=HTMLResponse)
def one(doc_id: int, request: Request, session: SessionDep, catalog: CatalogDep,
        as_of: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    """One document: its status today (or on `as_of`), timeline, text and downloads."""
    ctx = _editor_ctx(request, session, catalog)
    doc = library.get(session, doc_id)
    if ctx is None or not library.may_edit(ctx, doc):  # editors see it before its 发布
        doc = _published(session, doc_id, _today(request))
    day = _day(as_of, "on", False) if as_of else None
    return _document_page(request, session, catalog, doc, day, ctx=ctx)


def _editor_ctx(request: Request, session: Any, catalog: Any) -> Any:
    """The signed-in editor's context, if an editor is signed in (for the edit links)."""
    from onething.http.deps import request_ctx
    from onething.web.session import signed_in

    user, _ = signed_in(request)
    if user is None or not rules.edits_any(user.principal):
        return None
    return request_ctx(request, session, catalog, user.principal)


def _published(session: Any, doc_id: int, today: dt.date) -> Document:
    doc = library.get(session, doc_id)
    if doc.published_on > today:
        raise NotFound("文件库中没有该文件", code="document_not_found")
    return doc


@router.get("/library/{doc_id:id}/text")
def download_text(doc_id: int, request: Request, session: SessionDep) -> Response:
    """The full text as a download (UTF-8 text)."""
    doc = _published(session, doc_id, _today(request))
    name = f"document-{doc.id}.txt"
    return Response(doc.body_text + "\n", media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff"})


@router.get("/library/{doc_id:id}/pdf")
def download_pdf(doc_id: int, request: Request, session: SessionDep) -> Response:
    """The document's PDF, if it has one."""
    from onething.files.models import StoredFile

    doc = _published(session, doc_id, _today(request))
    row = session.get(StoredFile, doc.pdf_file_id) if doc.pdf_file_id else None
    if row is None:
        raise NotFound("该文件没有 PDF 版本", code="pdf_not_found")
    return file_response(request.app.state.settings.data_dir, row)


ATOM = "http://www.w3.org/2005/Atom"


@router.get("/library/feed.atom")
def feed(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    """The newest documents as an Atom feed (RFC 4287)."""
    today = _today(request)
    docs = library.newest(session, today)
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = "湖南政务服务 · 文件库 · 最新文件"
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{base}/library"
    ET.SubElement(root, f"{{{ATOM}}}link", href=f"{base}/library/feed.atom", rel="self")
    ET.SubElement(root, f"{{{ATOM}}}link", href=f"{base}/library")
    updated = max((d.updated_at for d in docs), default=None)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = (
        updated.isoformat() if updated else f"{today.isoformat()}T00:00:00+08:00")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "湖南政务服务"
    for d in docs:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = d.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{base}/library/{d.id}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{base}/library/{d.id}")
        ET.SubElement(entry, f"{{{ATOM}}}published").text = (
            f"{d.published_on.isoformat()}T00:00:00+08:00")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = d.updated_at.isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (
            f"{d.number} · {library.body_name(catalog, d.body_code, d.region_code)} · "
            f"{d.published_on.isoformat()} 发布")
        for c in rules.categories_of(d.categories):
            ET.SubElement(entry, f"{{{ATOM}}}category", term=c)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


# --- editors ----------------------------------------------------------------------


def _given(page: FormPage) -> library.DocumentInput:
    written = _day(page.text("written_on"), "written_on", True)
    published = _day(page.text("published_on"), "published_on", True)
    assert written is not None and published is not None
    split = str.maketrans({"，": ",", "、": ",", "\n": ","})
    return library.DocumentInput(
        number=page.text("number") or "", title=page.text("title") or "",
        issuer=page.text("issuer") or "", written_on=written, published_on=published,
        effective_on=_day(page.text("effective_on"), "effective_on", False),
        categories=(page.text("categories") or "").translate(split).split(","),
        text=page.text("text") or "", interpretation=page.text("interpretation"),
        related=(page.text("related") or "").translate(split).split(","))


def _sent_of(catalog: Any, doc: Document) -> dict[str, str]:
    return {"number": doc.number, "title": doc.title,
            "issuer": library.body_name(catalog, doc.body_code, doc.region_code),
            "written_on": doc.written_on.isoformat(),
            "published_on": doc.published_on.isoformat(),
            "effective_on": doc.effective_on.isoformat() if doc.effective_on else "",
            "categories": "、".join(rules.categories_of(doc.categories)),
            "text": doc.body_text, "interpretation": doc.interpretation or "",
            "related": "、".join(str(r) for r in doc.related or [])}


def _form(page: Page, doc: Document | None, code: int = 200, error: str | None = None,
          errors: dict[str, str] | None = None, sent: dict[str, str] | None = None
          ) -> HTMLResponse:
    ctx = page.ctx
    if sent is None:
        sent = _sent_of(ctx.catalog, doc) if doc else {}
    return page.render("library_form.html", code, doc=doc, sent=sent, error=error,
                       errors=errors or {}, bodies=library.bodies_for(ctx),
                       limits={"title": rules.TITLE_MAX, "number": rules.NUMBER_MAX})


@router.get("/library/new", response_class=HTMLResponse)
def new(page: EditorPage) -> HTMLResponse:
    return _form(page, None)


@router.get("/library/{doc_id:id}/edit", response_class=HTMLResponse)
def edit_form(doc_id: int, page: EditorPage) -> HTMLResponse:
    doc = library.get(page.ctx.session, doc_id)
    if not library.may_edit(page.ctx, doc):
        raise library.not_editor()
    return _form(page, doc)


def _saved(page: FormPage, doc_id: int | None) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            given = _given(page)
            doc_id = (library.create(ctx, given).id if doc_id is None
                      else library.edit(ctx, doc_id, given).id)
    except DomainError as exc:
        if not rules.edits_any(page.me):
            raise
        doc = library.get(ctx.session, doc_id) if doc_id is not None else None
        return _form(page, doc, exc.status, said(exc),
                     {p.field: p.message for p in exc.problems}, page.sent())
    return see_other(f"/library/{doc_id}")


@router.post("/library/new")
def create(page: FormPageDep) -> Response:
    return _saved(page, None)


@router.post("/library/{doc_id:id}/edit")
def edit(doc_id: int, page: FormPageDep) -> Response:
    return _saved(page, doc_id)


@router.post("/library/{doc_id:id}/status")
def change_status(doc_id: int, page: FormPageDep) -> Response:
    """Records a status change (from a date; optionally the replacing document)."""
    ctx = page.ctx
    try:
        with ctx.work():
            status = rules.parse_status(page.text("status") or "")
            if status is None:
                raise Invalid("请选择状态", problems=[FieldProblem("status", "请选择新的状态")])
            on = _day(page.text("on"), "on", True)
            assert on is not None
            library.record_change(ctx, doc_id, on=on, status=status,
                                  replaced_by=page.text("replaced_by"),
                                  note=page.text("note"))
    except DomainError as exc:
        if not rules.edits_any(page.me):
            raise
        doc = library.get(ctx.session, doc_id)
        return _document_page(page.request, ctx.session, ctx.catalog, doc, None, ctx=ctx,
                              code=exc.status, error=said(exc),
                              errors={p.field: p.message for p in exc.problems})
    return see_other(f"/library/{doc_id}")
