"""Statistics (JSON and CSV), cards, and the public 好差评 figures.

The statistics put supervision's figures (cases, cards) and ratings' (好评率, 整改率)
together: neither domain reads the other."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from onething.cases.figures import YEARS, StatsQuery, month_bounds
from onething.cases.routing import office_or_window_name, within
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, CtxDep, SessionDep
from onething.http.problems import ProblemOut
from onething.http.schemas import PageOut
from onething.kernel.db import MAX_INT
from onething.kernel.errors import Forbidden, Invalid
from onething.kernel.principal import Role
from onething.ratings.figures import public_ratings, rating_figures
from onething.supervision.cards import SUBJECT_CHECKS, CardFilter, find_cards
from onething.supervision.models import Card
from onething.supervision.profile import CHECKS
from onething.supervision.rules import CARD_NAMES, CardKind
from onething.supervision.stats import Statistics, statistics

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
        ("承诺时限压缩率", s.promise_compression),
        ("网办率", s.online_rate), ("预警", s.cards.get("warning", 0)),
        ("黄牌", s.cards.get("yellow", 0)), ("红牌", s.cards.get("red", 0)),
        ("评价数", s.ratings), ("好评率", s.good_rate), ("差评数", s.bad),
        ("整改率", s.rectification_rate), ("减少提交材料（份）", s.materials_saved),
        ("减少跑动（次）", s.visits_saved),
    ):
        w.writerow(_blank([label, value]))
    w.writerow([])
    w.writerow(["部门", "办结事项", "按时率", "平均用时", "承诺时限压缩率", "红黄牌", "红牌",
                "黄牌", "预警", "评价数", "好评率", "差评", "整改率"])
    for d in s.departments:
        w.writerow(_blank([d.name, d.decided, d.on_time_rate, d.average_days,
                           d.promise_compression, d.cards,
                           d.card_kinds["red"], d.card_kinds["yellow"], d.card_kinds["warning"],
                           d.ratings, d.good_rate, d.bad, d.rectification_rate]))
    return out.getvalue()


def _blank(row: list[Any]) -> list[Any]:
    """A figure that cannot be computed (nothing to count it over) is an empty cell."""
    return ["" if value is None else value for value in row]


class CardOut(BaseModel):
    id: int
    kind: str = Field(description="warning 预警 / yellow 黄牌 / red 红牌")
    kind_name: str
    check: str = Field(description="规则中的监察事项：case 办理时限、special_procedure "
                                   "特别程序、pre_acceptance 网上申请受理、issuing 出件、"
                                   "rectification 差评整改")
    check_name: str
    subject: str
    subject_id: int
    title: str
    department: str | None
    region: str
    office: str = Field(description="负责的机关，或受理地的综合窗口")
    application_id: int | None
    task_id: int | None
    due_on: dt.date | None = Field(description="亮牌所依据的时限")
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    delay_days: int | None

    @classmethod
    def of(cls, catalog: Catalog, c: Card) -> CardOut:
        check = SUBJECT_CHECKS.get(c.subject, c.subject)
        return cls(id=c.id, kind=c.kind, kind_name=CARD_NAMES.get(CardKind(c.kind), c.kind),
                   check=check, check_name=CHECKS[check].name if check in CHECKS else check,
                   subject=c.subject, subject_id=c.subject_id, title=c.title,
                   department=c.department_code, region=c.region_code,
                   office=office_or_window_name(catalog, c.region_code, c.department_code),
                   application_id=c.application_id, task_id=c.task_id, due_on=c.due_on,
                   raised_at=c.raised_at, closed_at=c.closed_at, delay_days=c.delay_days)


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
