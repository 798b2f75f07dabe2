"""核查比例 and 核查抽取: an office that checks a share of its 告知承诺 approvals draws them.

An office (a department in a region: whose approvers decided the tasks and do the checks)
checks all of its approvals that relied on a commitment unless it sets a ratio below 1
(its approvers or an administrator). Then each new check waits, pooled, for the office's
next draw: by its approvers from the checks page, or by the platform on the first run of a
month over the checks pooled before the month began (`jobs.py`). A draw picks ⌈ratio × n⌉
of the n pooled with the verifiable draw (docs/DRAW.md, stream `checks`, ids the checks'
ids): the seed's commitment and the pool's hash go to the audit trail before the pick, and
the whole record (seed included) is kept with the draw, for anybody to re-run with
`onething draw verify`. The picked checks open (due from the draw, watched); the others end
not drawn, with the draw they lost in. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.cases.models import Application
from onething.cases.routing import descendants
from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Catalog
from onething.commitments.models import (
    NOT_DRAWN,
    POOLED,
    WHOLE,
    CheckDraw,
    CheckRatio,
    FollowUpCheck,
)
from onething.commitments.sampling import how_many, month_began, parse_ratio
from onething.commitments.service import office_ratio, start_check
from onething.draw.engine import commitment, new_seed, pool_hash, sort_pool
from onething.draw.record import draw_entry, make_record
from onething.kernel.clock import CHINA
from onething.kernel.db import unit_of_work, upsert
from onething.kernel.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    Invalid,
    NotFound,
)
from onething.kernel.principal import SYSTEM, Principal, Role

log = logging.getLogger("onething.scheduled")
LABEL = "checks"  # the draw's stream (docs/DRAW.md, "Where the platform draws")


@dataclass(frozen=True)
class Office:
    department: str
    region: str


@dataclass(frozen=True)
class OfficeRatio:
    """An office's ratio as people see it, with what waits for its draw."""

    office: Office
    parts: int
    set_at: dt.datetime | None
    pooled: int


def may_set(actor: Principal) -> bool:
    """Who sets a ratio and draws: an office's approvers (their own), an administrator."""
    return actor.role in (Role.approver, Role.admin)


def office_of(ctx: Ctx, department: str | None, region: str | None) -> Office:
    """The office a step is for: an approver's own (naming another is refused); an
    administrator (or the platform) names one that exists."""
    a = ctx.actor
    if a.role == Role.approver:
        if (department or a.department, region or a.region) != (a.department, a.region):
            raise Forbidden("只能设置和抽取本机关的核查", code="out_of_scope")
        return Office(a.department or "", a.region or "")
    if a.role not in (Role.admin, Role.system):
        raise Forbidden("只有审批部门和管理员可以设置核查比例、抽取核查对象",
                        code="role_not_allowed")
    problems = []
    if not department or department not in ctx.catalog.departments:
        problems.append(FieldProblem("department", "请选择部门"))
    if not region or region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", "请填写有效的行政区划代码"))
    if problems:
        raise Invalid("请指明哪个机关", problems=problems)
    return Office(department or "", region or "")


def set_ratio(ctx: Ctx, ratio: Decimal | str | None, *, department: str | None = None,
              region: str | None = None) -> OfficeRatio:
    """Set the office's 核查比例 (1: check them all); audited."""
    office = office_of(ctx, department, region)
    parts = parse_ratio(ratio)
    row = _locked_ratio(ctx, office)
    before = row.parts if row is not None else WHOLE
    if row is None:  # the first: two people setting it at once both reach the one row
        ctx.session.execute(upsert(ctx.session)(CheckRatio).values(
            department_code=office.department, region_code=office.region, parts=WHOLE,
            set_at=ctx.now).on_conflict_do_nothing(
            index_elements=["department_code", "region_code"]))
        row = _locked_ratio(ctx, office)
        assert row is not None
    row.parts, row.set_by_id, row.set_at = parts, ctx.actor.user_id or None, ctx.now
    audit.record(ctx.session, ctx.actor, "set_check_ratio", "check_ratio",
                 f"{office.department}@{office.region}", region=office.region, at=ctx.now,
                 before={"ratio": str(Decimal(before) / WHOLE)},
                 after={"ratio": str(Decimal(parts) / WHOLE)})
    ctx.session.flush()
    return OfficeRatio(office, parts, row.set_at, _pooled(ctx.session, office))


def _locked_ratio(ctx: Ctx, office: Office) -> CheckRatio | None:
    return ctx.session.scalar(select(CheckRatio).where(*_office_is(CheckRatio, office))
                              .with_for_update().execution_options(populate_existing=True))


def ratios(ctx: Ctx) -> list[OfficeRatio]:
    """The ratios the actor sees: an approver their office's (all, if none is set); a
    supervisor those set in their region and below; an administrator every one set."""
    a = ctx.actor
    if a.role == Role.approver:
        office = Office(a.department or "", a.region or "")
        row = ctx.session.scalar(select(CheckRatio).where(*_office_is(CheckRatio, office)))
        return [OfficeRatio(office, row.parts if row else WHOLE, row.set_at if row else None,
                            _pooled(ctx.session, office))]
    query = select(CheckRatio).order_by(CheckRatio.region_code, CheckRatio.department_code)
    if a.role == Role.supervisor:
        query = query.where(CheckRatio.region_code.in_(
            sorted(descendants(ctx.catalog, a.region or ""))))
    elif a.role != Role.admin:
        raise Forbidden("只有审批部门和效能监察人员可以查看核查比例", code="role_not_allowed")
    return [OfficeRatio(o := Office(r.department_code, r.region_code), r.parts, r.set_at,
                        _pooled(ctx.session, o)) for r in ctx.session.scalars(query)]


def _office_is(model: type[CheckRatio] | type[CheckDraw] | type[FollowUpCheck],
               office: Office) -> list[ColumnElement[bool]]:
    return [model.department_code == office.department, model.region_code == office.region]


def _pooled(session: Session, office: Office) -> int:
    return session.scalar(select(func.count()).select_from(FollowUpCheck).where(
        *_office_is(FollowUpCheck, office), FollowUpCheck.status == POOLED)) or 0


def draw(ctx: Ctx, *, department: str | None = None, region: str | None = None,
         pooled_before: dt.datetime | None = None) -> CheckDraw:
    """核查抽取: the office's pooled checks (those pooled before `pooled_before`, if given),
    ⌈ratio × n⌉ of them picked; the picked open, the others end not drawn."""
    office = office_of(ctx, department, region)
    query = select(FollowUpCheck).where(*_office_is(FollowUpCheck, office),
                                        FollowUpCheck.status == POOLED)
    if pooled_before is not None:
        query = query.where(FollowUpCheck.created_at < pooled_before)
    pooled = {str(c.id): c for c in ctx.session.scalars(
        query.order_by(FollowUpCheck.id).with_for_update())}
    if not pooled:
        raise Conflict("没有待抽取的核查对象", code="nothing_pooled")
    parts = office_ratio(ctx, office.department, office.region)
    pool, seed = sort_pool(pooled), new_seed()
    k = how_many(parts, len(pool))
    audit.record(ctx.session, ctx.actor, "commit_check_draw", "check_draw",
                 f"{office.department}@{office.region}", region=office.region, at=ctx.now,
                 after={"commitment": commitment(seed), "pool_hash": pool_hash(pool),
                        "label": LABEL, "n": len(pool), "k": k})  # before the pick
    record = make_record(seed, [draw_entry(seed, LABEL, pool, k)])
    row = CheckDraw(department_code=office.department, region_code=office.region,
                    parts=parts, pooled=len(pool), picked=k, record=record,
                    drawn_by_id=ctx.actor.user_id or None, drawn_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    picked = set(record["draws"][0]["result"])
    apps = {a.id: a for a in ctx.session.scalars(select(Application).where(
        Application.id.in_({c.application_id for c in pooled.values()})))}
    for check_id in pool:
        check = pooled[check_id]
        check.draw_id = row.id
        if check_id in picked:
            start_check(ctx, check, apps[check.application_id])
        else:
            check.status = NOT_DRAWN
    audit.record(ctx.session, ctx.actor, "draw_checks", "check_draw", row.id,
                 region=office.region, at=ctx.now,
                 after={"seed": record["seed"], "result": record["draws"][0]["result"]})
    ctx.session.flush()
    return row


def draws(ctx: Ctx, limit: int = 50) -> list[CheckDraw]:
    """The draws the actor sees (as the checks: an approver their office's, a supervisor
    those in scope, an administrator all), the newest first."""
    return list(ctx.session.scalars(select(CheckDraw).where(*_draws_seen(ctx))
                                    .order_by(CheckDraw.id.desc()).limit(limit)))


def one_draw(ctx: Ctx, draw_id: int) -> CheckDraw:
    found = ctx.session.scalar(select(CheckDraw).where(CheckDraw.id == draw_id,
                                                       *_draws_seen(ctx)))
    if found is None:
        raise NotFound("没有该抽取记录，或您无权查看", code="draw_not_found")
    return found


def drawn_checks(ctx: Ctx, row: CheckDraw) -> list[FollowUpCheck]:
    return list(ctx.session.scalars(select(FollowUpCheck).where(
        FollowUpCheck.draw_id == row.id).order_by(FollowUpCheck.id)))


def _draws_seen(ctx: Ctx) -> list[ColumnElement[bool]]:
    a = ctx.actor
    if a.role == Role.approver:
        return _office_is(CheckDraw, Office(a.department or "", a.region or ""))
    if a.role == Role.supervisor:
        return [CheckDraw.region_code.in_(sorted(descendants(ctx.catalog, a.region or "")))]
    if a.role != Role.admin:
        raise Forbidden("只有审批部门和效能监察人员可以查看抽取记录", code="role_not_allowed")
    return []


def draw_monthly(sessions: sessionmaker[Session], catalog: Catalog, now: dt.datetime) -> int:
    """The platform's monthly draw: for every office with checks pooled before this month
    began (China time), one draw over them, each office in its own transaction (a draw
    another process made first leaves nothing to draw: skipped). How many draws it made."""
    began = month_began(now.astimezone(CHINA).date())
    before = dt.datetime.combine(began, dt.time(), CHINA)
    with sessions() as session:
        offices = session.execute(select(FollowUpCheck.department_code,
                                         FollowUpCheck.region_code).where(
            FollowUpCheck.status == POOLED, FollowUpCheck.created_at < before).distinct()).all()
    made = 0
    for department, region in offices:
        try:
            with unit_of_work(sessions) as session:
                draw(build_ctx(session, catalog, SYSTEM, now), department=department,
                     region=region, pooled_before=before)
            made += 1
        except Conflict:
            continue  # drawn by another process (or by the office) in the meantime
        except DomainError as exc:  # (an office the catalog no longer has): the others go on
            log.warning("核查抽取 %s@%s 未能进行：%s", department, region, exc.detail)
    return made
