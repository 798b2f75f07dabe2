"""Statistics (JSON and CSV), cards, and the public 好差评 figures.

The statistics put supervision's figures (cases, cards) and ratings' (好评率, 整改率)
together: neither domain reads the other."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from onething.catalog.context import Ctx
from onething.http.deps import CatalogDep, CtxDep, SessionDep
from onething.http.problems import ProblemOut
from onething.http.schemas import PageOut
from onething.kernel.db import MAX_INT
from onething.kernel.errors import Invalid
from onething.ratings.figures import public_ratings, rating_figures
from onething.supervision.cards import CardFilter, find_cards
from onething.supervision.schemas import CardOut
from onething.supervision.service import stats_query, to_csv
from onething.supervision.stats import Statistics, statistics

router = APIRouter(prefix="/api/v1", tags=["supervision"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 422: {"model": ProblemOut}})

Code = Annotated[str | None, Query(max_length=64)]


def _stats(ctx: Ctx, region: str | None, department: str | None, item: str | None,
           bundle: str | None, start: dt.date | None, end: dt.date | None,
           month: str | None) -> Statistics:
    q = stats_query(ctx, region, department, item, bundle, start, end, month)
    return statistics(ctx.session, ctx.catalog, q, rating_figures(ctx.session, ctx.catalog, q))


@router.get("/stats", summary="统计：收件、办结、按时率、用时、提速率、网办率、红黄牌、好评、整改")
def stats(ctx: CtxDep, region: Code = None, department: Code = None, item: Code = None,
          bundle: Code = None, start: Annotated[dt.date | None, Query(alias="from")] = None,
          end: Annotated[dt.date | None, Query(alias="to")] = None,
          month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
          ) -> dict[str, Any]:
    return _stats(ctx, region, department, item, bundle, start, end, month).as_dict()


@router.get("/stats.csv", summary="统计导出（CSV）", response_class=Response)
def stats_csv(ctx: CtxDep, region: Code = None, department: Code = None, item: Code = None,
              bundle: Code = None, start: Annotated[dt.date | None, Query(alias="from")] = None,
              end: Annotated[dt.date | None, Query(alias="to")] = None,
              month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> Response:
    figures = _stats(ctx, region, department, item, bundle, start, end, month)
    return Response(to_csv(figures), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="onething-stats-{figures.query.start}.csv"'})


@router.get("/cards", response_model=PageOut[CardOut],
            summary="红黄牌列表：按地区、部门（机关）、类型、监察事项、亮牌日期筛选，分页")
def cards(ctx: CtxDep, region: Code = None,
          department: Annotated[str | None, Query(
              max_length=64, description="部门代码；window：综合窗口负责的（办件整体、受理、出件）")
          ] = None,
          kind: Literal["warning", "yellow", "red"] | None = None,
          check: Annotated[str | None, Query(max_length=32)] = None,
          start: Annotated[dt.date | None, Query(alias="from")] = None,
          end: Annotated[dt.date | None, Query(alias="to")] = None,
          open_only: bool = False, bundle: Code = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> PageOut[CardOut]:
    found = find_cards(ctx, CardFilter(region, department, kind, check, start, end, open_only,
                                       bundle), limit, offset)
    return PageOut[CardOut].of(found, lambda c: CardOut.of(ctx.catalog, c))


@router.get("/ratings/public", summary="好差评公示（各部门，无个人信息）")
def ratings_public(session: SessionDep, catalog: CatalogDep,
                   month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                   ) -> list[dict[str, Any]]:
    try:
        return public_ratings(session, catalog, month)
    except ValueError as exc:
        raise Invalid("月份应为 2000–2100 年间的 YYYY-MM", code="invalid_month") from exc
