"""What the 12345 figures answer (the API and the page): the counts of
`hotline/statistics.py` named and shaped."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from onething.catalog.context import Ctx
from onething.hotline import figures as f
from onething.hotline import reference, rules
from onething.hotline import statistics as stats


class RateOut(BaseModel):
    numerator: int = Field(description="分子")
    denominator: int = Field(description="分母")
    value: float | None = Field(description="比率（0 至 1；分母为 0 时为空）")


class HotOut(BaseModel):
    code: str
    name: str
    count: int = Field(description="本期件数")
    before: int = Field(description="上期件数")
    change: int = Field(description="较上期增减")


class CountOut(BaseModel):
    code: str
    name: str
    count: int


class FiguresOut(BaseModel):
    region: str | None = Field(description="统计地区（为空：全省）")
    region_name: str
    period: str = Field(description="this_week 本周 · last_week 上周 · range 自选期间")
    start: dt.datetime = Field(description="期间开始（含）")
    end: dt.datetime = Field(description="期间结束（不含）")
    first_day: dt.date
    last_day: dt.date
    before_start: dt.datetime = Field(description="对比的上期开始")
    before_end: dt.datetime
    received: int = Field(description="本期收到的工单")
    received_before: int = Field(description="上期收到的工单")
    sign_on_time: RateOut = Field(description="按时签收率：签收期限在本期或本期签收的派单工单中，"
                                              "按期签收的")
    reply_on_time: RateOut = Field(description="按时办结率：答复期限在本期或本期答复的派单工单中，"
                                               "按期答复的")
    satisfied: RateOut = Field(description="满意率：本期回访的工单中，满意和基本满意的")
    reopened: RateOut = Field(description="重办率：本期办结或重办的派单工单中，重办过的")
    answered: RateOut = Field(description="直接答复率：本期受理的工单中，直接答复的")
    by_kind: list[CountOut] = Field(description="按诉求类型")
    by_channel: list[CountOut] = Field(description="按渠道")
    categories: list[HotOut] = Field(description="热点诉求分类（前 10）")
    places: list[HotOut] = Field(description="热点地区（前 10，统计地区的下一级）")

    @classmethod
    def of(cls, ctx: Ctx, region: str | None, x: f.Figures) -> FiguresOut:
        def rate(r: f.Rate) -> RateOut:
            return RateOut(numerator=r.numerator, denominator=r.denominator, value=r.value)

        categories = reference.in_force().categories
        places = ctx.catalog.regions
        return cls(
            region=region, region_name=places[region].name if region else "全省",
            period=x.period.name, start=x.period.start, end=x.period.end,
            first_day=x.period.first, last_day=x.period.last, before_start=x.before.start,
            before_end=x.before.end, received=x.received, received_before=x.received_before,
            sign_on_time=rate(x.sign_on_time), reply_on_time=rate(x.reply_on_time),
            satisfied=rate(x.satisfied), reopened=rate(x.reopened), answered=rate(x.answered),
            by_kind=[CountOut(code=k.value, name=rules.KIND_NAMES[k],
                              count=x.by_kind.get(k.value, 0)) for k in rules.Kind],
            by_channel=[CountOut(code=k.value, name=rules.CHANNEL_NAMES[k],
                                 count=x.by_channel.get(k.value, 0)) for k in rules.Channel],
            categories=[HotOut(code=h.code, name=categories[h.code].name
                               if h.code in categories else h.code, count=h.count,
                               before=h.before, change=h.change) for h in x.categories],
            places=[HotOut(code=h.code, name=places[h.code].name if h.code in places
                           else h.code, count=h.count, before=h.before, change=h.change)
                    for h in x.places])


def compute(ctx: Ctx, region: str | None, period: str | None, start: dt.date | None,
            end: dt.date | None) -> tuple[str | None, f.Figures]:
    """The scope checked, the period read, the figures counted (the page uses it too)."""
    scope = stats.scope(ctx, region)
    return scope, stats.week_figures(ctx, scope, stats.period(ctx, period, start, end))
