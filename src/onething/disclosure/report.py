"""The tables of the annual report on government information disclosure (政府信息公开工作
年度报告, part 三: requests received and handled), for one year and one scope: rows of
what happened, columns by applicant type (自然人; 法人或其他组织: 商业企业, 科研机构, 社会
公益组织, 法律服务机构, 其他), and the total.

- 本年新收: received in the year;
- 上年结转: received before the year and not closed when it began;
- 办理结果: closed in the year, by reply type (art. 36), or withdrawn (撤回) or abandoned
  (逾期未补正，视为放弃);
- 结转下年度: received by the year's end and not closed by then.
`table` is pure; `annual` reads the rows that may count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.disclosure.models import DisclosureRequest
from onething.disclosure.rules import APPLICANT_TYPE_NAMES, REPLY_NAMES, ApplicantType, Status
from onething.kernel import regions as region_tree
from onething.kernel.errors import FieldProblem, Forbidden, Invalid
from onething.kernel.principal import Role

ROWS: tuple[tuple[str, str], ...] = (
    ("new", "本年新收政府信息公开申请数量"),
    ("carried_in", "上年结转政府信息公开申请数量"),
    *((kind.value, f"办理结果：{name}") for kind, name in REPLY_NAMES.items()),
    ("lapsed", "办理结果：申请人逾期未补正，视为放弃"),
    ("withdrawn", "办理结果：申请人撤回申请"),
    ("closed", "办理结果：总计"),
    ("carried_out", "结转下年度继续办理"),
)
REPLY_KINDS = frozenset(kind.value for kind in REPLY_NAMES)
COLUMNS: tuple[tuple[str, str], ...] = (
    *((t.value, name) for t, name in APPLICANT_TYPE_NAMES.items()), ("total", "总计"))


@dataclass(frozen=True)
class Row:
    """What the table needs of one request."""

    applicant_type: str
    received_on: dt.date
    closed_on: dt.date | None
    outcome: str | None  # a reply type, `lapsed` or `withdrawn`; None while open
    deadline: dt.date | None = None  # the reply's (extended) due day; None while 补正


@dataclass(frozen=True)
class Table:
    year: int
    scope: str  # the region or office the figures are of, in words
    cells: dict[str, dict[str, int]]  # row → column → count
    figures: dict[str, int]  # replied, on_time (by the deadline), open, late (open, past it)

    def csv_rows(self) -> list[list[str]]:
        head = ["项目", *(name for _, name in COLUMNS)]
        return [head, *([label, *(str(self.cells[key][c]) for c, _ in COLUMNS)]
                        for key, label in ROWS)]


def table(year: int, scope: str, rows: Iterable[Row], today: dt.date) -> Table:
    """The year's table of `rows`, and its figures: the replies of the year and those given
    by their deadline; the requests open at the year's end (or today) and those past it."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    cells = {key: dict.fromkeys((c for c, _ in COLUMNS), 0) for key, _ in ROWS}
    figures = dict.fromkeys(("replied", "on_time", "open", "late"), 0)
    until = min(end, today)

    def add(key: str, column: str) -> None:
        cells[key][column] += 1
        cells[key]["total"] += 1

    for r in rows:
        if r.received_on > end or (r.closed_on is not None and r.closed_on < start):
            continue
        if r.received_on >= start:
            add("new", r.applicant_type)
        else:
            add("carried_in", r.applicant_type)
        if r.closed_on is not None and r.closed_on <= end and r.outcome:
            add(r.outcome, r.applicant_type)
            add("closed", r.applicant_type)
            if r.outcome in REPLY_KINDS:
                figures["replied"] += 1
                figures["on_time"] += r.deadline is not None and r.closed_on <= r.deadline
        else:
            add("carried_out", r.applicant_type)
            figures["open"] += 1
            figures["late"] += r.deadline is not None and r.deadline < until
    return Table(year, scope, cells, figures)


def annual(ctx: Ctx, year: int, region: str | None = None) -> Table:
    """The year's tables of what the actor answers for: an office's approvers their office;
    a supervisor their region (or one below it); an administrator any region, or all."""
    if not 2000 <= year <= ctx.today.year:
        raise Invalid("年度有误", problems=[FieldProblem("year", "请选择 2000 年至今年之间的年度")])
    p, where, scope = ctx.actor, [], "全部地区"
    if p.role == Role.approver:
        where = [DisclosureRequest.department_code == p.department,
                 DisclosureRequest.region_code == p.region]
        scope = office_name(ctx.catalog, p.region or "", p.department or "")
    elif p.role in (Role.supervisor, Role.admin):
        chosen = region or (p.region if p.role == Role.supervisor else None)
        if chosen is not None:
            if chosen not in ctx.catalog.regions or (
                    p.role == Role.supervisor
                    and not region_tree.within(ctx.catalog.regions, chosen, p.region or "")):
                raise Invalid("地区有误", problems=[
                    FieldProblem("region", "只能查看本地区及下级地区")])
            where = [DisclosureRequest.region_code.in_(
                sorted(region_tree.descendants(ctx.catalog.regions, chosen)))]
            scope = ctx.catalog.regions[chosen].name
    else:
        raise Forbidden("只有受理机关、效能监察人员和管理员可以查看年度报表",
                        code="role_not_allowed")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    found = ctx.session.execute(select(
        DisclosureRequest.applicant_type, DisclosureRequest.received_on,
        DisclosureRequest.closed_on, DisclosureRequest.reply_kind, DisclosureRequest.lapsed,
        DisclosureRequest.status, func.coalesce(DisclosureRequest.extended_due_on,
                                                DisclosureRequest.due_on),
    ).where(*where, DisclosureRequest.received_on <= end, or_(
        DisclosureRequest.closed_on.is_(None), DisclosureRequest.closed_on >= start)))
    return table(year, scope, (Row(
        ApplicantType(t).value, received, closed,
        None if closed is None else kind.value if kind else "lapsed" if lapsed else "withdrawn",
        None if status == Status.correcting.value else deadline)
        for t, received, closed, kind, lapsed, status, deadline in found), ctx.today)
