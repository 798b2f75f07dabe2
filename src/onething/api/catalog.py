"""Catalog routes: bundles and items (thin; the rules live in browse.py), and the catalog's
versions — submitted, reviewed, published, rolled back (the rules: publishing.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from pydantic import BaseModel, Field

from onething.catalog import browse, publishing
from onething.catalog.context import Ctx
from onething.catalog.schemas import (
    BundleDetail,
    BundleSummary,
    CatalogVersionOut,
    ItemDetail,
    ItemSummary,
)
from onething.catalog.spec import Level
from onething.catalog.upload import MAX_BYTES, read_upload
from onething.http.deps import CatalogDep, CtxDep, PagingDep
from onething.http.problems import ApiProblem, ProblemOut
from onething.http.schemas import Id, PageOut

router = APIRouter(prefix="/api/v1", tags=["catalog"],
                   responses={503: {"model": ProblemOut, "description": "目录尚未加载"}})

Text = Annotated[str | None, Query(max_length=100, description="搜索词，空格分隔")]


def bundle_not_found(code: str) -> ApiProblem:
    return ApiProblem(404, "bundle_not_found", "找不到该一件事", f"没有代码为 {code} 的一件事")


@router.get("/bundles", response_model=PageOut[BundleSummary], summary="一件事列表")
def list_bundles(catalog: CatalogDep, paging: PagingDep, q: Text = None,
                 audience: Literal["person", "company"] | None = None,
                 region: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
                 ) -> PageOut[BundleSummary]:
    found = browse.search_bundles(catalog, q, audience, region)
    return PageOut[BundleSummary].of(browse.paginate(found, paging.limit, paging.offset),
                                     BundleSummary.of)


@router.get("/bundles/{code}", response_model=BundleDetail, summary="一件事详情",
            responses={404: {"model": ProblemOut}})
def get_bundle(code: str, catalog: CatalogDep) -> BundleDetail:
    bundle = catalog.bundles.get(code)
    if bundle is None:
        raise bundle_not_found(code)
    return BundleDetail.of_bundle(bundle, catalog)


@router.get("/items", response_model=PageOut[ItemSummary], summary="事项列表")
def list_items(catalog: CatalogDep, paging: PagingDep, q: Text = None,
               department: Annotated[str | None, Query(max_length=64)] = None,
               level: Level | None = None) -> PageOut[ItemSummary]:
    found = browse.search_items(catalog, q, department, level.value if level else None)
    return PageOut[ItemSummary].of(browse.paginate(found, paging.limit, paging.offset),
                                   ItemSummary.of)


@router.get("/items/{code}", response_model=ItemDetail, summary="事项详情",
            responses={404: {"model": ProblemOut}})
def get_item(code: str, catalog: CatalogDep) -> ItemDetail:
    item = catalog.items.get(code)
    if item is None:
        raise ApiProblem(404, "item_not_found", "找不到该事项", f"没有代码为 {code} 的事项")
    bundles = [b.code for b in browse.bundles_using(catalog, code)]
    return ItemDetail.of_item(item, catalog, bundles)


# --- catalog versions: draft → reviewed → published (rules: catalog/publishing.py) -------


class ReviewIn(BaseModel):
    verdict: Literal["reviewed", "returned"] = Field(
        description="reviewed 审核通过 | returned 退回草稿（须写明原因）")
    comment: str = Field("", max_length=500, description="审核意见；退回时为原因")


class PublishIn(BaseModel):
    on: dt.date | None = Field(None, description="发布日期；不填或今天则立即发布")


class RollbackIn(BaseModel):
    reason: str = Field(max_length=500, description="回退原因")


def _fresh(request: Request) -> None:
    """This process's catalog asked again at once (the others' within their refresh)."""
    request.app.state.catalogs.clear()


@router.get("/catalog/versions", response_model=list[CatalogVersionOut],
            summary="目录版本列表（管理员）", responses={403: {"model": ProblemOut}})
def list_versions(ctx: CtxDep, paging: PagingDep) -> list[CatalogVersionOut]:
    with ctx.reading():
        rows = publishing.versions(ctx.session, ctx.actor, paging.limit, paging.offset)
        return [CatalogVersionOut.of(row) for row in rows]


@router.post("/catalog/versions", response_model=CatalogVersionOut, status_code=201,
             summary="提交目录草稿（目录文件夹的 zip 压缩包，或一个 YAML 目录文件；"
                     "校验同 onething catalog load，有问题则逐条列出文件和行号、不保存）",
             responses={403: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def submit(file: UploadFile, ctx: CtxDep) -> CatalogVersionOut:
    publishing.require(ctx.actor)  # before reading the upload
    name = file.filename or "catalog.zip"
    document, problems = read_upload(file.file.read(MAX_BYTES + 1), name)
    with ctx.work():
        row = publishing.submit(ctx.session, ctx.actor, document, problems, name, ctx.now)
    return _version_out(ctx, row.id)


def _version_out(ctx: Ctx, version_id: int) -> CatalogVersionOut:
    with ctx.reading():
        row = publishing.version(ctx.session, ctx.actor, version_id)
        return CatalogVersionOut.of(row, publishing.compared(ctx.session, row))


@router.get("/catalog/versions/{version_id}", response_model=CatalogVersionOut,
            summary="目录版本及其与现行版本（已发布的：与其替代的版本）逐项的差异",
            responses={403: {"model": ProblemOut}, 404: {"model": ProblemOut}})
def one_version(version_id: Id, ctx: CtxDep) -> CatalogVersionOut:
    return _version_out(ctx, version_id)


@router.post("/catalog/versions/{version_id}/review", response_model=CatalogVersionOut,
             summary="审核草稿（审核人须是提交人以外的管理员）：通过，或退回草稿并写明原因",
             responses={403: {"model": ProblemOut}, 404: {"model": ProblemOut},
                        409: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def review(version_id: Id, body: ReviewIn, ctx: CtxDep) -> CatalogVersionOut:
    with ctx.work():
        publishing.review(ctx.session, ctx.actor, version_id, body.verdict == "reviewed",
                          body.comment, ctx.now)
    return _version_out(ctx, version_id)


@router.post("/catalog/versions/{version_id}/publish", response_model=CatalogVersionOut,
             summary="发布审核通过的版本：立即，或在指定日期由定时任务发布",
             responses={403: {"model": ProblemOut}, 404: {"model": ProblemOut},
                        409: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def publish(version_id: Id, body: PublishIn, ctx: CtxDep, request: Request
            ) -> CatalogVersionOut:
    with ctx.work():
        publishing.publish(ctx.session, ctx.actor, version_id, body.on, ctx.now, ctx.today)
    _fresh(request)
    return _version_out(ctx, version_id)


@router.post("/catalog/rollback", response_model=CatalogVersionOut, status_code=201,
             summary="回退到上一个发布版本（以其内容发布一个新版本；现行版本标为已回退）",
             responses={403: {"model": ProblemOut}, 409: {"model": ProblemOut},
                        422: {"model": ProblemOut}})
def rollback(body: RollbackIn, ctx: CtxDep, request: Request) -> CatalogVersionOut:
    with ctx.work():
        row = publishing.rollback(ctx.session, ctx.actor, body.reason, ctx.now)
    _fresh(request)
    return _version_out(ctx, row.id)
