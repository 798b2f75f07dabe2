"""Catalog routes: bundles and items (thin; the rules live in browse.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from onething.catalog import browse
from onething.catalog.schemas import BundleDetail, BundleSummary, ItemDetail, ItemSummary
from onething.catalog.spec import Level
from onething.http.deps import CatalogDep, PagingDep
from onething.http.problems import ApiProblem, ProblemOut
from onething.http.schemas import PageOut

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
