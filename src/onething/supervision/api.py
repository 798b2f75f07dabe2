"""Statistics (JSON and CSV), cards, and the public 好差评 figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from onething.cases.context import Ctx
from onething.cases.routing import descendants, within
from onething.deps import CatalogDep, CtxDep, SessionDep
from onething.errors import Forbidden, Invalid
from onething.identity.roles import Role
from onething.problems import ProblemOut
from onething.supervision.models import Card
from onething.supervision.public import public_ratings
from onething.supervision.stats import YEARS, Statistics, StatsQuery, month_bounds, statistics

router = APIRouter(prefix="/api/v1", tags=["supervision"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 422: {"model": ProblemOut}})

Code = Annotated[str | None, Query(max_length=64)]


def stats_query(ctx: Ctx, region: str | None, department: str | None, item: str | None,
                bundle: str | None, start: dt.date | None, end: dt.date | None,
                month: str | None) -> StatsQuery:
    """The period (a month, from/to, or this month) and the scope the actor may see."""
    if ctx.actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有效能监察人员和管理员可以查看统计", code="role_not_allowed")
    if month:
        try:
            start, end = month_bounds(month)
        except ValueError as exc:
            raise Invalid("月份应为 2000–2100 年间的 YYYY-MM", code="invalid_month") from exc
    if start is None or end is None:
        start, end = month_bounds(ctx.today.strftime("%Y-%m"))
    if (end < start or (end - start).days > 3700 or start.year not in YEARS
            or end.year not in YEARS):
        raise Invalid("统计期间无效（结束早于开始、超过十年，或不在 2000–2100 年间）",
                      code="invalid_period")
    region = region or (ctx.actor.region if ctx.actor.role == Role.supervisor else None)
    if region and region not in ctx.catalog.regions:
        raise Invalid(f"行政区划 {region} 不存在", code="unknown_region")
    if (ctx.actor.role == Role.supervisor and region and ctx.actor.region
            and not within(ctx.catalog, region, ctx.actor.region)):
        raise Forbidden("只能查看本地区及下级地区的统计", code="out_of_scope")
    return StatsQuery(start, end, region, department, item, bundle)


def _stats(ctx: Ctx, region: str | None, department: str | None, item: str | None,
           bundle: str | None, start: dt.date | None, end: dt.date | None,
           month: str | None) -> Statistics:
    q = stats_query(ctx, region, department, item, bundle, start, end, month)
    return statistics(ctx.session, ctx.catalog, q)


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


def to_csv(s: Statistics) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the Chinese correctly
    w = csv.writer(out)
    w.writerow(["指标", "数值"])
    for label, value in (
        ("统计期间", f"{s.query.start} 至 {s.query.end}"), ("收件", s.received),
        ("受理", s.accepted), ("办结", s.completed), ("按时办结率", s.on_time_rate),
        ("平均用时（工作日）", s.average_days), ("P90 用时（工作日）", s.p90_days),
        ("较法定时限提速率", s.speed_up_legal), ("较承诺时限提速率", s.speed_up_promised),
        ("网办率", s.online_rate), ("预警", s.cards.get("warning", 0)),
        ("黄牌", s.cards.get("yellow", 0)), ("红牌", s.cards.get("red", 0)),
        ("评价数", s.ratings), ("好评率", s.good_rate), ("差评数", s.bad),
        ("整改率", s.rectification_rate), ("减少提交材料（份）", s.materials_saved),
        ("减少跑动（次）", s.visits_saved),
    ):
        w.writerow([label, value])
    w.writerow([])
    w.writerow(["部门", "办结事项", "按时率", "平均用时", "红黄牌", "评价数", "好评率", "差评",
                "整改率"])
    for d in s.departments:
        w.writerow([d.name, d.decided, d.on_time_rate, d.average_days, d.cards, d.ratings,
                    d.good_rate, d.bad, d.rectification_rate])
    return out.getvalue()


class CardOut(BaseModel):
    id: int
    kind: str
    subject: str
    subject_id: int
    title: str
    department: str | None
    region: str
    due_on: dt.date | None
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    delay_days: int | None


@router.get("/cards", response_model=list[CardOut], summary="红黄牌（本地区及下级）")
def cards(ctx: CtxDep, open_only: bool = False,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[CardOut]:
    if ctx.actor.role not in (Role.supervisor, Role.admin, Role.approver):
        raise Forbidden("无权查看红黄牌", code="role_not_allowed")
    query = select(Card).order_by(Card.id.desc())
    if open_only:
        query = query.where(Card.closed_at.is_(None))
    if ctx.actor.role == Role.approver:
        query = query.where(Card.department_code == ctx.actor.department,
                            Card.region_code == ctx.actor.region)
    elif ctx.actor.role == Role.supervisor:
        query = query.where(Card.region_code.in_(
            sorted(descendants(ctx.catalog, ctx.actor.region or ""))))
    found = list(ctx.session.scalars(query.limit(limit)))
    return [CardOut(id=c.id, kind=c.kind, subject=c.subject, subject_id=c.subject_id,
                    title=c.title, department=c.department_code, region=c.region_code,
                    due_on=c.due_on, raised_at=c.raised_at, closed_at=c.closed_at,
                    delay_days=c.delay_days) for c in found]


@router.get("/ratings/public", summary="好差评公示（各部门，无个人信息）")
def ratings_public(session: SessionDep, catalog: CatalogDep,
                   month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                   ) -> list[dict[str, Any]]:
    try:
        return public_ratings(session, catalog, month)
    except ValueError as exc:
        raise Invalid("月份应为 2000–2100 年间的 YYYY-MM", code="invalid_month") from exc
