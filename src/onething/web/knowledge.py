"""Pages of the knowledge base (知识库): the public FAQ (常见问题: a search box, no script),
and for the owning departments their articles (those due for review first on request),
the form to write or change one, its history, publishing and withdrawing. The same
services as the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from onething.catalog import browse
from onething.http.deps import CatalogDep, SessionDep
from onething.kernel.clock import china_date
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.knowledge import rules
from onething.knowledge import service as knowledge
from onething.knowledge.models import Article
from onething.knowledge.rules import Move
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other
from onething.web.render import render_public
from onething.web.words import said

router = APIRouter(include_in_schema=False)
OwnersPage = Annotated[Page, Depends(page_for(rules.reads_all))]
WriterPage = Annotated[Page, Depends(page_for(rules.writes))]
PAGE_SIZE = 10
TEXTS = ("question", "answer", "department", "region", "category", "source_title",
         "source_number", "source_url")
DATES = ("source_date", "valid_from", "valid_until", "review_on")
DATE_NAMES = {"source_date": "依据文件日期", "valid_from": "有效期起", "valid_until": "有效期止",
              "review_on": "复核日期"}


@router.get("/faq", response_class=HTMLResponse)
def faq(request: Request, session: SessionDep, catalog: CatalogDep,
        q: Annotated[str, Query(max_length=rules.QUERY_MAX)] = "",
        page: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    """常见问题: published, valid articles, searched by words (anyone, no script)."""
    reader = knowledge.Reader(session, catalog.regions, None,
                              china_date(request.app.state.clock()))
    found = knowledge.search(reader, knowledge.Filters(query=q), PAGE_SIZE,
                             (page - 1) * PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_public(request, "faq.html", q=q, found=found, page=page, pages=pages,
                         departments=catalog.departments, regions=catalog.regions)


def _rows(page: Page, articles: list[Article]) -> list[dict[str, Any]]:
    reader = knowledge.Reader.of(page.ctx)
    return [{"a": a, "actions": _actions(page, a),
             "due": rules.due_for_review(a.status, a.review_on, reader.today)}
            for a in articles]


def _actions(page: Page, a: Article) -> list[str]:
    in_scope = knowledge.in_scope(page.ctx.catalog.regions, page.me, a.region_code)
    return rules.actions(page.me, a.status, a.department_code, in_scope)


@router.get("/knowledge", response_class=HTMLResponse)
def owners_list(page: OwnersPage,
                q: Annotated[str, Query(max_length=rules.QUERY_MAX)] = "",
                due: int = 0, status: str = "") -> HTMLResponse:
    """The articles the signed-in staff keep or watch (due for review only, on request)."""
    chosen = status if status in rules.ArticleStatus.__members__ else None
    found = knowledge.search(knowledge.Reader.of(page.ctx), knowledge.Filters(
        query=q, status=chosen, due_for_review=bool(due), mine=True), 200, 0)
    return page.render("knowledge_list.html", rows=_rows(page, found.articles), q=q,
                       due=bool(due), chosen=chosen or "", total=found.total,
                       names=rules.STATUS_NAMES, writes=rules.writes(page.me),
                       departments=page.ctx.catalog.departments)


def _form(page: Page, article: Article | None, code: int = 200, error: str | None = None,
          errors: dict[str, str] | None = None, sent: dict[str, str] | None = None
          ) -> HTMLResponse:
    ctx = page.ctx
    if sent is None:
        sent = ({name: str(value or "") for name, value in knowledge.content(article).items()}
                if article else {"department": page.me.department or "",
                                 "region": page.me.region or ""})
    history = list(ctx.session.scalars(knowledge.history_query(article.id))) if article \
        else []
    regions = browse.region_choices(ctx.catalog, ("province", "city", "county", "township"))
    return page.render("knowledge_form.html", code, article=article, sent=sent,
                       error=error, errors=errors or {}, history=history,
                       actions=_actions(page, article) if article else ["edit"],
                       names=rules.STATUS_NAMES, regions=regions,
                       departments=sorted(ctx.catalog.departments.values(),
                                          key=lambda d: d.code),
                       limits={"question": rules.QUESTION_MAX, "answer": rules.ANSWER_MAX})


@router.get("/knowledge/new", response_class=HTMLResponse)
def new(page: WriterPage) -> HTMLResponse:
    return _form(page, None)


@router.get("/knowledge/{article_id:id}", response_class=HTMLResponse)
def one(article_id: int, page: OwnersPage) -> HTMLResponse:
    return _form(page, knowledge.get(knowledge.Reader.of(page.ctx), article_id))


def _given(page: FormPage) -> knowledge.ArticleInput:
    """The form's article; a date that is not one is refused, naming the field."""
    days: dict[str, dt.date | None] = {}
    problems = []
    for name in DATES:
        value = page.text(name)
        try:
            days[name] = dt.date.fromisoformat(value.strip()) if value else None
        except ValueError:
            problems.append(FieldProblem(name, f"{DATE_NAMES[name]}应为日期，如 2026-12-31"))
    if problems:
        raise Invalid("知识条目有误", problems=problems)
    texts = {name: (page.text(name) or "") for name in TEXTS}
    return knowledge.ArticleInput(**texts, **days)  # type: ignore[arg-type]


def _saved(page: FormPage, article_id: int | None) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            if article_id is None:
                article_id = knowledge.create(ctx, _given(page)).id
            else:
                version = page.text("version")
                knowledge.edit(ctx, article_id, _given(page),
                               int(version) if version and version.isdigit() else None)
    except DomainError as exc:
        if not rules.writes(page.me):
            raise
        article = (knowledge.get(knowledge.Reader.of(ctx), article_id)
                   if article_id is not None else None)
        return _form(page, article, exc.status, said(exc),
                     {p.field: p.message for p in exc.problems}, page.sent())
    return see_other(f"/knowledge/{article_id}?saved=1")


@router.post("/knowledge/new")
def create(page: FormPageDep) -> Response:
    return _saved(page, None)


@router.post("/knowledge/{article_id:id}")
def edit(article_id: int, page: FormPageDep) -> Response:
    return _saved(page, article_id)


def _move(page: FormPage, article_id: int, step: Move) -> Response:
    try:
        with page.ctx.work():
            knowledge.move(page.ctx, article_id, step, page.text("reason"))
    except DomainError as exc:
        if not rules.writes(page.me):
            raise
        return _form(page, knowledge.get(knowledge.Reader.of(page.ctx), article_id),
                     exc.status, said(exc), {p.field: p.message for p in exc.problems})
    return see_other(f"/knowledge/{article_id}")


@router.post("/knowledge/{article_id:id}/publish")
def publish(article_id: int, page: FormPageDep) -> Response:
    return _move(page, article_id, Move.publish)


@router.post("/knowledge/{article_id:id}/withdraw")
def withdraw(article_id: int, page: FormPageDep) -> Response:
    return _move(page, article_id, Move.withdraw)



