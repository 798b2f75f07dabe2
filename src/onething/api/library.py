"""The document library (文件库) through HTTP: searched and read by anyone (a document's
status on any date: `as_of`), entered and changed by its issuing body's editors, with
their status changes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, CtxDep, PagingDep, SessionDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.clock import china_date
from onething.kernel.errors import NotFound
from onething.library import rules
from onething.library import service as library
from onething.library.models import Document, StatusChange
from onething.library.rules import DocStatus, StatusOn

router = APIRouter(prefix="/api/v1/library", tags=["library"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class DocumentIn(BaseModel):
    number: str = Field(min_length=1, max_length=rules.NUMBER_MAX, description="文号")
    title: str = Field(min_length=1, max_length=rules.TITLE_MAX, description="标题")
    issuer: str = Field(min_length=1, max_length=100, description=(
        "发文机关名称，如 湖南省人民政府办公厅、长沙市市场监督管理局（见 /api/v1/library/bodies）"))
    written_on: dt.date = Field(description="成文日期")
    published_on: dt.date = Field(description="发布日期")
    effective_on: dt.date | None = Field(default=None, description="施行日期（不填：自发布之日起）")
    categories: list[str] = Field(default_factory=list, max_length=rules.CATEGORIES_MAX,
                                  description="主题分类")
    text: str = Field(min_length=1, max_length=rules.TEXT_MAX, description="全文")
    interpretation: str | None = Field(default=None, max_length=rules.INTERPRETATION_MAX,
                                       description="政策解读")
    related: list[str] = Field(default_factory=list, max_length=50,
                               description="相关文件的文号")

    def given(self) -> library.DocumentInput:
        return library.DocumentInput(
            self.number, self.title, self.issuer, self.written_on, self.published_on,
            self.effective_on, list(self.categories), self.text, self.interpretation,
            list(self.related))


class StatusChangeIn(BaseModel):
    on: dt.date = Field(description="自何日起")
    status: Literal["valid", "amended", "expired", "repealed"] = Field(
        description="valid 有效 · amended 已修改 · expired 失效 · repealed 废止")
    replaced_by: str | None = Field(default=None, max_length=rules.NUMBER_MAX,
                                    description="替代或修改它的文件：文号或编号")
    note: str | None = Field(default=None, max_length=rules.NOTE_MAX, description="说明")


class StatusOut(BaseModel):
    on: dt.date = Field(description="所问的日期")
    status: str | None = Field(description=(
        "valid 有效 · amended 已修改 · expired 失效 · repealed 废止 · pending 尚未施行；"
        "null：当日尚未发布"))
    status_name: str
    in_force: bool = Field(description="当日是否有效（有效或已修改）")
    since: dt.date | None = Field(description="自何日起为该状态")
    replaced_by: int | None = Field(description="替代或修改它的文件编号")

    @classmethod
    def of(cls, day: dt.date, s: StatusOn) -> StatusOut:
        return cls(on=day, status=str(s.status) if s.status else None, status_name=s.name,
                   in_force=s.in_force, since=s.since,
                   replaced_by=s.change.replaced_by if s.change else None)


class ChangeOut(BaseModel):
    on: dt.date
    status: str
    status_name: str
    replaced_by: int | None
    note: str | None
    recorded_by: str

    @classmethod
    def of(cls, c: StatusChange) -> ChangeOut:
        return cls(on=c.effective_on, status=c.status.value,
                   status_name=rules.STATUS_NAMES[c.status], replaced_by=c.replaced_by_id,
                   note=c.note, recorded_by=c.recorded_by)


class DocumentOut(BaseModel):
    id: int
    number: str
    title: str
    issuer: str
    body: str = Field(description="发文机关代码：部门代码，GOV 人民政府，GOVOFFICE 办公厅（室）")
    region: str
    categories: list[str]
    written_on: dt.date
    published_on: dt.date
    effective_on: dt.date | None
    status: StatusOut = Field(description="所问日期（as_of，默认今日）的效力")
    has_pdf: bool


class DocumentFullOut(DocumentOut):
    text: str
    interpretation: str | None
    related: list[str]
    history: list[ChangeOut] = Field(description="效力变化，早的在前")


def _out(catalog: Catalog, d: Document, day: dt.date, s: StatusOn) -> dict[str, object]:
    return dict(id=d.id, number=d.number, title=d.title,
                issuer=library.body_name(catalog, d.body_code, d.region_code),
                body=d.body_code, region=d.region_code,
                categories=rules.categories_of(d.categories), written_on=d.written_on,
                published_on=d.published_on, effective_on=d.effective_on,
                status=StatusOut.of(day, s), has_pdf=d.pdf_file_id is not None)


class FoundOut(BaseModel):
    total: int = Field(description=f"符合条件的文件数（最多数到 {library.COUNTED}）")
    more: bool = Field(False, description="是否还有更多（total 之外），即“1000 多件”")
    words: list[str] = Field(description="检索词切分所得的词语")
    items: list[DocumentOut] = Field(description="本页的文件，按相关程度（或发布日期）排列")


class BodyOut(BaseModel):
    name: str
    body: str
    region: str


def _today(request: Request) -> dt.date:
    return china_date(request.app.state.clock())


@router.get("/documents", response_model=FoundOut,
            summary="检索文件库（按词检索，可按发文机关、年份、今日效力、主题分类筛选）")
def search(request: Request, session: SessionDep, catalog: CatalogDep, paging: PagingDep,
           q: Annotated[str | None, Query(max_length=rules.QUERY_MAX,
                                          description="检索词，如“异地就医”")] = None,
           body: Annotated[str | None, Query(max_length=100, description="发文机关名称")
                           ] = None,
           year: Annotated[int | None, Query(ge=1949, le=2100, description="发布年份")] = None,
           status: Annotated[Literal["valid", "amended", "expired", "repealed", "pending"]
                             | None, Query(description="今日的效力")] = None,
           category: Annotated[str | None, Query(max_length=rules.CATEGORY_MAX)] = None,
           ) -> FoundOut:
    today = _today(request)
    found = library.search(session, catalog, library.Filters(q, body, year, status, category),
                           today, paging.limit, paging.offset)
    statuses = library.statuses_on(session, found.documents, today)
    return FoundOut(total=found.total, more=found.more, words=found.words, items=[
        DocumentOut(**_out(catalog, d, today, statuses[d.id]))
        for d in found.documents])


def _document(session: SessionDep, catalog: Catalog, doc_id: int, today: dt.date,
              as_of: dt.date | None) -> DocumentFullOut:
    doc = library.get(session, doc_id)
    if doc.published_on > today:
        raise NotFound("文件库中没有该文件", code="document_not_found")
    day = as_of or today
    return DocumentFullOut(
        **_out(catalog, doc, day, library.status_on(session, doc, day)),
        text=doc.body_text, interpretation=doc.interpretation,
        related=[str(r) for r in doc.related or []],
        history=[ChangeOut.of(c) for c in library.history(session, doc.id)])


@router.get("/documents/{doc_id}", response_model=DocumentFullOut,
            summary="一件文件（含某日的效力：as_of）")
def one(doc_id: Id, request: Request, session: SessionDep, catalog: CatalogDep,
        as_of: Annotated[dt.date | None, Query(description="问哪一天的效力，默认今日")] = None,
        ) -> DocumentFullOut:
    return _document(session, catalog, doc_id, _today(request), as_of)


@router.get("/bodies", response_model=list[BodyOut], summary="已知的发文机关")
def bodies(catalog: CatalogDep) -> list[BodyOut]:
    return [BodyOut(name=b.name, body=b.code, region=b.region)
            for b in library.bodies(catalog)]


def _answer(ctx: CtxDep, doc_id: int) -> DocumentFullOut:
    with ctx.reading() as read:
        doc = library.get(read.session, doc_id)
        return _document(read.session, read.catalog, doc_id, max(read.today, doc.published_on),
                         read.today)


@router.post("/documents", response_model=DocumentFullOut, status_code=201,
             summary="录入文件（发文机关的审批人员或管理员）")
def create(body: DocumentIn, ctx: CtxDep) -> DocumentFullOut:
    with ctx.work():
        doc_id = library.create(ctx, body.given()).id
    return _answer(ctx, doc_id)


@router.put("/documents/{doc_id}", response_model=DocumentFullOut, summary="修改文件信息")
def edit(doc_id: Id, body: DocumentIn, ctx: CtxDep) -> DocumentFullOut:
    with ctx.work():
        library.edit(ctx, doc_id, body.given())
    return _answer(ctx, doc_id)


@router.post("/documents/{doc_id}/status-changes", response_model=DocumentFullOut,
             status_code=201, summary="登记效力变化（自某日起已修改、失效、废止或恢复有效）")
def change(doc_id: Id, body: StatusChangeIn, ctx: CtxDep) -> DocumentFullOut:
    with ctx.work():
        library.record_change(ctx, doc_id, on=body.on, status=DocStatus(body.status),
                              replaced_by=body.replaced_by, note=body.note)
    return _answer(ctx, doc_id)
