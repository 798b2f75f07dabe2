"""The 12345 figures through HTTP: `GET /api/v1/tickets/figures` (included before the
tickets' router, so that `figures` is not read as a ticket's id)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from onething.hotline.figures_schemas import FiguresOut, compute
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut

router = APIRouter(prefix="/api/v1", tags=["hotline"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 422: {"model": ProblemOut}})


@router.get("/tickets/figures", response_model=FiguresOut,
            summary="12345 热线统计（效能监察：本地区；话务员：本中心；管理员）")
def figures(
        ctx: CtxDep,
        region: Annotated[str | None, Query(max_length=12, description="地区（默认本人所在地区）")]
        = None,
        period: Annotated[str | None, Query(max_length=16, description=(
            "this_week 本周（默认，周一至今）· last_week 上周"))] = None,
        start: Annotated[dt.date | None, Query(alias="from", description="自选期间开始日期")]
        = None,
        end: Annotated[dt.date | None, Query(alias="to", description="自选期间结束日期（含）")]
        = None) -> FiguresOut:
    scope, x = compute(ctx, region, period, start, end)
    return FiguresOut.of(ctx, scope, x)
