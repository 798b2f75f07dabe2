"""The knowledge base (知识库) through HTTP: searched by anyone (published, valid articles;
their owners see every article of theirs), written, published and withdrawn by the owning
department's staff and administrators, with each article's history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, CtxDep, MaybePrincipalDep, PagingDep, SessionDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.clock import china_date
from onething.knowledge import rules
from onething.knowledge import service as knowledge
from onething.knowledge.models import Article, ArticleVersion
from onething.knowledge.rules import Move

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class ArticleIn(BaseModel):
    question: str = Field(min_length=1, max_length=rules.QUESTION_MAX, description="问题")
    answer: str = Field(min_length=1, max_length=rules.ANSWER_MAX, description="答案")
    department: str = Field(min_length=1, max_length=32,
                            description="所属部门（事项目录中的部门代码，如 SCJG）")
    region: str = Field(pattern=r"^\d{6,12}$", description="适用地区（行政区划代码）")
    category: str | None = Field(default=None, max_length=rules.CATEGORY_MAX,
                                 description="诉求分类代码（暂为自由代码）")
    source_title: str | None = Field(default=None, max_length=rules.SOURCE_TITLE_MAX,
                                     description="依据文件名称")
    source_number: str | None = Field(default=None, max_length=rules.SOURCE_NUMBER_MAX,
                                      description="依据文件文号")
    source_date: dt.date | None = Field(default=None, description="依据文件日期")
    source_url: str | None = Field(default=None, max_length=rules.SOURCE_URL_MAX,
                                   description="依据文件链接")
    valid_from: dt.date | None = Field(default=None, description="有效期起")
    valid_until: dt.date | None = Field(default=None, description="有效期止（含）")
    review_on: dt.date | None = Field(default=None, description="复核日期：到期提醒所属部门复核")

    def given(self) -> knowledge.ArticleInput:
        return knowledge.ArticleInput(**self.model_dump())


class ArticleEditIn(ArticleIn):
    version: int | None = Field(default=None, ge=1, description=(
        "修改所依据的版本号；若已被他人修改则拒绝（409），不填则不检查"))


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=rules.REASON_MAX, description="撤回原因")


class ArticleOut(BaseModel):
    id: int
    question: str
    answer: str
    category: str | None
    department: str
    department_name: str
    region: str
    region_name: str
    source_title: str | None
    source_number: str | None
    source_date: dt.date | None
    source_url: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    review_on: dt.date | None = Field(description="复核日期")
    due_for_review: bool = Field(description="已到复核日期（未撤回）")
    status: str = Field(description="draft 草稿 · published 已发布 · withdrawn 已撤回")
    status_name: str
    version: int = Field(description="当前版本号；已发布知识每次修改生成新版本")
    updated_at: dt.datetime
    published_at: dt.datetime | None
    withdrawn_reason: str | None = Field(description="撤回原因（已撤回的）")
    actions: list[str] = Field(description="您现在可以采取的动作：edit 修改 · publish 发布 · "
                                           "withdraw 撤回")

    @classmethod
    def of(cls, reader: knowledge.Reader, catalog: Catalog, a: Article) -> ArticleOut:
        department = catalog.departments.get(a.department_code)
        region = catalog.regions.get(a.region_code)
        actions: list[str] = []
        if reader.actor is not None:
            in_scope = knowledge.in_scope(reader.regions, reader.actor, a.region_code)
            actions = rules.actions(reader.actor, a.status, a.department_code, in_scope)
        return cls(
            id=a.id, question=a.question, answer=a.answer, category=a.category,
            department=a.department_code,
            department_name=department.name if department else a.department_code,
            region=a.region_code, region_name=region.name if region else a.region_code,
            source_title=a.source_title, source_number=a.source_number,
            source_date=a.source_date, source_url=a.source_url, valid_from=a.valid_from,
            valid_until=a.valid_until, review_on=a.review_on,
            due_for_review=rules.due_for_review(a.status, a.review_on, reader.today),
            status=a.status.value, status_name=rules.STATUS_NAMES[a.status],
            version=a.version, updated_at=a.updated_at, published_at=a.published_at,
            withdrawn_reason=a.withdrawn_reason if a.status == "withdrawn" else None,
            actions=actions)


class FoundOut(BaseModel):
    total: int = Field(description="符合条件的条数")
    words: list[str] = Field(description="检索词切分所得的词语")
    items: list[ArticleOut] = Field(description="本页的知识，按相关程度（或更新时间）排列")


class VersionOut(BaseModel):
    version: int
    status: str
    status_name: str
    by: str = Field(description="修改人")
    at: dt.datetime
    content: dict[str, str | None] = Field(description="该版本的内容")

    @classmethod
    def of(cls, v: ArticleVersion) -> VersionOut:
        return cls(version=v.version, status=v.status.value,
                   status_name=rules.STATUS_NAMES[v.status], by=v.by_name, at=v.at,
                   content=v.content)


def _reader(request: Request, session: SessionDep, catalog: Catalog,
            actor: MaybePrincipalDep) -> knowledge.Reader:
    return knowledge.Reader(session, catalog.regions, actor,
                            china_date(request.app.state.clock()))


@router.get("/articles", response_model=FoundOut,
            summary="检索知识（按词检索；公众只见已发布且在有效期内的，所属部门见本部门全部）")
def search(request: Request, session: SessionDep, catalog: CatalogDep,
           actor: MaybePrincipalDep, paging: PagingDep,
           q: Annotated[str | None, Query(max_length=rules.QUERY_MAX,
                                          description="检索词，如“营业执照”")] = None,
           category: Annotated[str | None, Query(max_length=rules.CATEGORY_MAX)] = None,
           department: Annotated[str | None, Query(max_length=32)] = None,
           region: Annotated[str | None, Query(pattern=r"^\d{6,12}$", description=(
               "只看适用于该地区的（本地区及上级地区的知识）"))] = None,
           status: Annotated[Literal["draft", "published", "withdrawn"] | None,
                             Query()] = None,
           due_for_review: Annotated[bool, Query(description="只看已到复核日期的（所属部门）")
                                     ] = False,
           mine: Annotated[bool, Query(description="只看本部门（本人负责）的知识")] = False,
           ) -> FoundOut:
    reader = _reader(request, session, catalog, actor)
    found = knowledge.search(reader, knowledge.Filters(
        q, category, department, region, status, due_for_review, mine),
        paging.limit, paging.offset)
    return FoundOut(total=found.total, words=found.words,
                    items=[ArticleOut.of(reader, catalog, a) for a in found.articles])


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="一条知识")
def one(article_id: Id, request: Request, session: SessionDep, catalog: CatalogDep,
        actor: MaybePrincipalDep) -> ArticleOut:
    reader = _reader(request, session, catalog, actor)
    return ArticleOut.of(reader, catalog, knowledge.get(reader, article_id))


@router.get("/articles/{article_id}/history", response_model=list[VersionOut],
            summary="知识的历史版本（新版本在前）")
def history(article_id: Id, request: Request, session: SessionDep, catalog: CatalogDep,
            actor: MaybePrincipalDep) -> list[VersionOut]:
    reader = _reader(request, session, catalog, actor)
    return [VersionOut.of(v) for v in knowledge.history(reader, article_id)]


def _answer(ctx: CtxDep, article_id: int) -> ArticleOut:
    with ctx.reading() as read:
        reader = knowledge.Reader.of(read)
        return ArticleOut.of(reader, read.catalog, knowledge.get(reader, article_id))


@router.post("/articles", response_model=ArticleOut, status_code=201,
             summary="新建知识（草稿）")
def create(body: ArticleIn, ctx: CtxDep) -> ArticleOut:
    with ctx.work():
        article_id = knowledge.create(ctx, body.given()).id
    return _answer(ctx, article_id)


@router.put("/articles/{article_id}", response_model=ArticleOut,
            summary="修改知识（已发布的知识修改后生成新版本）")
def edit(article_id: Id, body: ArticleEditIn, ctx: CtxDep) -> ArticleOut:
    given = ArticleIn.model_validate(body.model_dump(exclude={"version"})).given()
    with ctx.work():
        knowledge.edit(ctx, article_id, given, body.version)
    return _answer(ctx, article_id)


@router.post("/articles/{article_id}/publication", response_model=ArticleOut,
             summary="发布知识")
def publish(article_id: Id, ctx: CtxDep) -> ArticleOut:
    with ctx.work():
        knowledge.move(ctx, article_id, Move.publish)
    return _answer(ctx, article_id)


@router.post("/articles/{article_id}/withdrawal", response_model=ArticleOut,
             summary="撤回知识")
def withdraw(article_id: Id, body: WithdrawIn, ctx: CtxDep) -> ArticleOut:
    with ctx.work():
        knowledge.move(ctx, article_id, Move.withdraw, body.reason)
    return _answer(ctx, article_id)

