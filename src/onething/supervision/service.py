"""What the doors ask of supervision: who may see the statistics and the cards, the period
and scope of the statistics an actor asks for, the regions a card filter may name, and the
statistics as a CSV file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from onething.cases.figures import YEARS, StatsQuery, month_bounds
from onething.cases.routing import within
from onething.catalog.context import Ctx
from onething.catalog.linked import Region
from onething.kernel.errors import Forbidden, Invalid
from onething.kernel.principal import Principal, Role
from onething.supervision.stats import Statistics


def sees_statistics(actor: Principal) -> bool:
    """Supervisors (their region and below) and admins read the statistics."""
    return actor.role in (Role.supervisor, Role.admin)


def sees_cards(actor: Principal) -> bool:
    """Approvers (their office's), supervisors (their region and below) and admins see the
    cards (`cards.find_cards` draws each one's scope)."""
    return actor.role in (Role.approver, Role.supervisor, Role.admin)


def stats_query(ctx: Ctx, region: str | None, department: str | None, item: str | None,
                bundle: str | None, start: dt.date | None, end: dt.date | None,
                month: str | None) -> StatsQuery:
    """The period (a month, from/to, or this month) and the scope the actor may see."""
    if not sees_statistics(ctx.actor):
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


def regions_in_scope(ctx: Ctx) -> list[Region]:
    """The regions a card filter may name: the actor's and below (province to county)."""
    scope = ctx.actor.region if ctx.actor.role != Role.admin else None
    return [r for code, r in ctx.catalog.regions.items()
            if r.level.value in ("province", "city", "county")
            and (scope is None or within(ctx.catalog, code, scope))]


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
        ("网办率", s.online_rate), ("异地代收（件）", s.received_for_others),
        ("为外地办理事项", s.decided_for_others), ("预警", s.cards.get("warning", 0)),
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
    if s.items:
        w.writerow([])
        w.writerow(["事项", "办结", "秒批", "秒批率"])
        for i in s.items:
            w.writerow(_blank([i.name, i.decided, i.automatic, i.auto_rate]))
    return out.getvalue()


def _blank(row: list[Any]) -> list[Any]:
    """A figure that cannot be computed (nothing to count it over) is an empty cell."""
    return ["" if value is None else value for value in row]
