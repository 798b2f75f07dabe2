"""The 12345 figures counted in the database: who may read them for which region, and
the five counts of a period (what each counts is `hotline/figures.py`). Each count is an
aggregate over a range of the index its instant leads, which holds what the count reads
(`models.FIGURE_INDEXES`, migration 0028): a week at ten million tickets reads only that
week's index entries, not the tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from onething.catalog.context import Ctx
from onething.hotline import figures as f
from onething.hotline.models import Ticket
from onething.hotline.rules import Satisfaction, Status
from onething.kernel import regions
from onething.kernel.errors import FieldProblem, Forbidden, Invalid
from onething.kernel.principal import Principal, Role

PERIODS = ("this_week", "last_week")


def sees_figures(actor: Principal) -> bool:
    """Supervisors (their region and below), operators (their centre's region) and admins."""
    return actor.role in (Role.supervisor, Role.operator, Role.admin)


def scope(ctx: Ctx, region: str | None) -> str | None:
    """The region the figures are for: the one asked, or the actor's own (None: the whole
    province, for an admin who names none)."""
    a = ctx.actor
    if not sees_figures(a):
        raise Forbidden("只有效能监察人员、热线话务员和管理员可以查看热线统计",
                        code="role_not_allowed")
    region = (region or "").strip() or (a.region if a.role != Role.admin else None)
    if region is None:
        return None
    if region not in ctx.catalog.regions:
        raise Invalid(f"行政区划 {region} 不存在", problems=[
            FieldProblem("region", f"行政区划 {region} 不存在")])
    if a.role != Role.admin and (a.region is None or not regions.within(
            ctx.catalog.regions, region, a.region)):
        raise Forbidden("只能查看本地区及下级地区的热线统计", code="out_of_scope")
    return region


def period(ctx: Ctx, name: str | None, start: dt.date | None, end: dt.date | None) -> f.Period:
    """This week (the default), last week, or the China dates `from` … `to`."""
    if start is not None or end is not None:
        first = start or end
        last = end or ctx.today
        assert first is not None
        try:
            return f.date_range(first, last, ctx.now)
        except ValueError:
            raise Invalid("统计期间有误", problems=[FieldProblem(
                "to", f"结束日期不能早于开始日期，期间不能超过 {f.MAX_DAYS} 天")]) from None
    if name in (None, "", "this_week"):
        return f.this_week(ctx.now)
    if name == "last_week":
        return f.last_week(ctx.now)
    raise Invalid("统计期间有误", problems=[FieldProblem(
        "period", "应为 this_week 本周或 last_week 上周，或给出 from、to 日期")])


def _in(column: Any, p: f.Period) -> ColumnElement[bool]:
    return and_(column >= p.start, column < p.end)


def _where(ctx: Ctx, region: str | None) -> ColumnElement[bool]:
    if region is None or ctx.catalog.regions[region].parent is None:
        return true()  # the whole province: every ticket is in it
    return Ticket.region_code.in_(sorted(regions.descendants(ctx.catalog.regions, region)))


def _place(ctx: Ctx, region: str | None, code: str) -> str:
    """Where a ticket is, one level below the region asked (the region's own code for a
    ticket about the region as a whole)."""
    chain = regions.ancestors(ctx.catalog.regions, code)
    if region is None:
        return chain[-2] if len(chain) > 1 else chain[-1]
    if region in chain:
        at = chain.index(region)
        return chain[at - 1] if at > 0 else region
    return code


def counts(ctx: Ctx, region: str | None, p: f.Period, *, full: bool = True) -> f.Counts:
    """The counts of one period; `full=False` only what the period before is compared by
    (received, by category and place)."""
    s, where, c = ctx.session, _where(ctx, region), f.Counts()
    taken = Ticket.status.not_in([Status.submitted, Status.merged])  # a duplicate: its parent's
    answered = Ticket.status == Status.answered
    rows = s.execute(select(
        Ticket.kind, Ticket.channel, Ticket.category_code, Ticket.region_code,
        func.count(), func.count().filter(taken), func.count().filter(answered)).where(
        where, _in(Ticket.received_at, p)).group_by(
        Ticket.kind, Ticket.channel, Ticket.category_code, Ticket.region_code))
    for kind, channel, category, code, n, n_taken, n_answered in rows:
        c.received += n
        c.taken += n_taken
        c.answered += n_answered
        for into, key in ((c.by_kind, str(kind.value)), (c.by_channel, str(channel.value)),
                          (c.by_category, category),
                          (c.by_place, _place(ctx, region, code))):
            into[key] = into.get(key, 0) + n
    if not full:
        return c
    c.sign_due, c.sign_on_time = _either(
        s, where, (Ticket.sign_due_at, Ticket.signed_at), p,
        Ticket.signed_at <= Ticket.sign_due_at)  # a 签收 deadline: set at 派单
    c.reply_due, c.reply_on_time = _either(
        s, where, (Ticket.reply_due_at, Ticket.replied_at), p,
        Ticket.replied_at <= Ticket.reply_due_at)
    c.visited, c.satisfied = s.execute(select(
        func.count(), func.count().filter(Ticket.satisfaction.in_(
            [Satisfaction.satisfied.value, Satisfaction.basic.value]))).where(
        where, _in(Ticket.visited_at, p))).one()
    c.closed, c.reopened = _either(
        s, and_(where, Ticket.dispatched_at.is_not(None)), (Ticket.closed_at, Ticket.reopened_at),
        p, Ticket.reopens > 0, true())  # a ticket reopened in the period: reopened
    return c


def _either(s: Any, where: ColumnElement[bool], instants: tuple[Any, Any], p: f.Period,
            hit: ColumnElement[bool], second_hit: ColumnElement[bool] | None = None
            ) -> tuple[int, int]:
    """(how many tickets have either instant in the period, how many of them `hit`), as
    two disjoint ranges, each read from the index its instant leads (`FIGURE_INDEXES`):
    the first instant in the period; the second in it and the first not."""
    first, second = instants
    only_second = and_(_in(second, p), or_(first.is_(None), first < p.start, first >= p.end))
    total = hits = 0
    for when, counted in ((_in(first, p), hit),
                          (only_second, hit if second_hit is None else second_hit)):
        n, k = s.execute(select(func.count(), func.count().filter(counted)).where(
            where, when)).one()
        total, hits = total + n, hits + k
    return total, hits


def week_figures(ctx: Ctx, region: str | None, p: f.Period) -> f.Figures:
    """The figures of `p` for `region`, compared with the period before."""
    before = p.before()
    return f.figures(p, before, counts(ctx, region, p), counts(ctx, region, before, full=False))
