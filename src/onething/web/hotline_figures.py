"""The 12345 centre's figures as a page (`/hotline/figures`): the five rates, counts by kind
and channel, the hot categories and places against the period before, each chart drawn on
the server (SVG) with its table for screen readers. The API's computation
(`api/hotline_figures.compute`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.hotline import statistics as stats
from onething.hotline.figures_schemas import FiguresOut, compute
from onething.kernel import regions as region_tree
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.supervision import charts
from onething.web.deps import Page, page_for
from onething.web.words import percent, said

router = APIRouter(include_in_schema=False)
FiguresPage = Annotated[Page, Depends(page_for(stats.sees_figures))]
RATES = (("sign_on_time", "按时签收率"), ("reply_on_time", "按时办结率"), ("satisfied", "满意率"),
         ("reopened", "重办率"), ("answered", "直接答复率"))


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid("日期应为 YYYY-MM-DD", problems=[
            FieldProblem(name, f"“{text[:20]}”不是日期")]) from None


@dataclass(frozen=True)
class Chart:
    """A chart (SVG drawn on the server) and the table behind it, for screen readers."""

    svg: str
    caption: str
    head: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _charts(x: FiguresOut) -> dict[str, Chart]:
    rates = {name: getattr(x, key) for key, name in RATES}
    shown: dict[str, Chart] = {"rates": Chart(
        charts.bars("各项比率（%）", list(rates), {"本期": [
            None if r.value is None else round(r.value * 100, 1) for r in rates.values()]},
            horizontal=True, percent=True), "各项比率", ("指标", "比率", "分子", "分母"),
        [(name, percent(r.value), r.numerator, r.denominator) for name, r in rates.items()])}
    for key, title, head, hot in (("categories", "热点诉求分类", "分类", x.categories),
                                  ("places", "热点地区", "地区", x.places)):
        if hot:
            shown[key] = Chart(
                charts.bars(f"{title}（件）", [h.name for h in hot], {
                    "本期": [h.count for h in hot], "上期": [h.before for h in hot]},
                    horizontal=True), f"{title}：本期与上期件数", (head, "本期", "上期", "增减"),
                [(h.name, h.count, h.before, f"{h.change:+d}") for h in hot])
    for key, title, head, counted in (("kinds", "按诉求类型", "类型", x.by_kind),
                                      ("channels", "按渠道", "渠道", x.by_channel)):
        shown[key] = Chart(charts.bars(f"{title}（件）", [c.name for c in counted],
                                       {"本期": [c.count for c in counted]}),
                           f"{title}的件数", (head, "件数"), [(c.name, c.count) for c in counted])
    return shown


@router.get("/hotline/figures", response_class=HTMLResponse)
def figures_page(page: FiguresPage) -> Response:
    ctx = page.ctx
    params = {k: str(page.request.query_params.get(k) or "").strip()[:16]
              for k in ("region", "period", "from", "to")}
    error, status, shown = None, 200, None
    drawn: dict[str, Chart] = {}
    try:
        chosen = params["period"] or ("range" if params["from"] or params["to"] else "")
        start, end = _day(params["from"], "from"), _day(params["to"], "to")
        if chosen != "range":
            start = end = None
        if chosen == "range" and start is None and end is None:
            raise Invalid("请选择日期", problems=[FieldProblem("from", "自选期间请填写开始日期")])
        scope, x = compute(ctx, params["region"] or None,
                           None if chosen in ("", "range") else chosen, start, end)
        shown = FiguresOut.of(ctx, scope, x)
        drawn = _charts(shown)
    except DomainError as exc:
        error, status = said(exc), exc.status
    mine = ctx.actor.region if ctx.actor.role.value != "admin" else None
    places = [(code, r.name) for code, r in ctx.catalog.regions.items()
              if r.level.value in ("province", "city", "county")
              and (mine is None or region_tree.within(ctx.catalog.regions, code, mine))]
    return page.render("hotline_figures.html", status, x=shown, error=error, params=params,
                       charts=drawn, places=places, rates=RATES)
