"""Raising and closing cards, and queueing their notifications (same transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy import insert as sqlalchemy_insert
from sqlalchemy.orm import Session

from onething.cases.models import Application
from onething.cases.routing import descendants, within
from onething.catalog.browse import Page
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.identity import offices
from onething.kernel.clock import CHINA
from onething.kernel.db import upsert
from onething.kernel.errors import FieldProblem, Forbidden, Invalid
from onething.kernel.principal import Role
from onething.kernel.workdays import Calendar
from onething.outbox.models import Notification
from onething.supervision.models import Card
from onething.supervision.rules import CARD_NAMES, CardKind


@dataclass(frozen=True)
class Subject:
    """What a card is about, and who answers for it."""

    kind: str  # task | application | procedure | acceptance | issuing | rectification
    #            | commitment_check
    id: int
    title: str
    region: str
    department: str | None = None
    application_id: int | None = None
    task_id: int | None = None
    responsible_id: int | None = None
    window: bool = False  # the receiving window answers for it (no department does)
    # how its cards say where the clock stands, when the subject alone does not: before the
    # deadline (特别程序（听证）即将届满) and after it (特别程序（听证）已超出预计时间)
    due_words: tuple[str, str] | None = None


def card_title(w: Wanted, today: dt.date) -> str:
    """What a card says, after its kind's name: 预警：特别程序（听证）即将届满：… for a warning
    raised before the deadline, 黄牌：特别程序（听证）已超出预计时间：… after it."""
    s = w.subject
    if s.due_words is None:
        return s.title
    soon, late = s.due_words
    return f"{soon if w.due_on is not None and today <= w.due_on else late}：{s.title}"


def _cached(cache: dict[Any, Any] | None, key: Any, compute: Callable[[], Any]) -> Any:
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@dataclass(frozen=True)
class Wanted:
    """A card to raise: about what, which kind, and the deadline it names."""

    subject: Subject
    kind: CardKind
    due_on: dt.date | None


CHUNK = 400  # rows per multi-row INSERT (SQLite binds at most 32 766 parameters)


def raise_cards(session: Session, catalog: Catalog, wanted: list[Wanted], now: dt.datetime,
                cache: dict[Any, Any] | None = None) -> list[CardKind]:
    """Raises the wanted cards that do not exist yet, with their notifications, in a few
    statements; the kinds of those raised. The unique key (subject, id, kind) drops the
    ones another sweep raised first.

    `cache` (one per sweep) keeps each office's staff, looked up once instead of per card.
    """
    connection = session.connection()
    statement = _raise_statement(connection)
    raised: list[CardKind] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = {(w.subject.kind, w.subject.id, w.kind.value): w
                 for w in wanted[start:start + CHUNK]}
        rows = [_card_values(session, w, now, cache) for w in chunk.values()]
        new = connection.execute(statement, rows).all()
        notes = [note for card_id, subject, subject_id, kind in new
                 for note in _notifications(session, catalog, card_id,
                                            chunk[(subject, subject_id, kind)], now, cache)]
        if notes:
            connection.execute(_NOTIFY, notes)
        raised += [CardKind(row.kind) for row in new]
    return raised


# Built once and given the rows as parameters: the driver's executemany, batched by
# SQLAlchemy into multi-row INSERTs with RETURNING ("insertmanyvalues"). A statement built
# with the rows as its VALUES was compiled afresh for every chunk (400 rows × 13 columns of
# bind parameters), which took most of a sweep's time.
_NOTIFY = sqlalchemy_insert(Notification)


_RAISE: dict[str, Any] = {}  # per dialect


def _raise_statement(connection: Connection) -> Any:
    name = connection.dialect.name
    if name not in _RAISE:
        _RAISE[name] = upsert(connection)(Card).on_conflict_do_nothing(
            index_elements=["subject", "subject_id", "kind"]).returning(
            Card.id, Card.subject, Card.subject_id, Card.kind)
    return _RAISE[name]


def _card_values(session: Session, w: Wanted, now: dt.datetime,
                 cache: dict[Any, Any] | None) -> dict[str, Any]:
    s = w.subject
    responsible = s.responsible_id or _cached(
        cache, ("first", s.department, s.region, s.window),
        lambda: offices.first_of_office(session, s.region, s.department, s.window))
    return dict(subject=s.kind, subject_id=s.id, kind=w.kind.value,
                application_id=s.application_id, task_id=s.task_id,
                department_code=s.department, region_code=s.region,
                responsible_id=responsible,
                title=f"{CARD_NAMES[w.kind]}：{card_title(w, now.astimezone(CHINA).date())}",
                due_on=w.due_on, raised_at=now, closed_at=None, delay_days=None)


def _notifications(session: Session, catalog: Catalog, card_id: int, w: Wanted,
                   now: dt.datetime, cache: dict[Any, Any] | None) -> list[dict[str, Any]]:
    s = w.subject
    to = _cached(cache, ("to", s.department, s.region, s.responsible_id, s.window),
                 lambda: recipients(session, catalog, s))
    title = card_title(w, now.astimezone(CHINA).date())
    body = _body(f"{CARD_NAMES[w.kind]}：{title}", w.due_on, w.kind)
    return [{"card_id": card_id, "recipient_id": r, "created_at": now, "body": body,
             "subject": f"【{CARD_NAMES[w.kind]}】{title}", "sent_at": None, "attempts": 0,
             "last_error": None} for r in to]


def _body(title: str, due_on: dt.date | None, kind: CardKind) -> str:
    due = f"，办理时限 {due_on}" if due_on else ""
    return (f"行政效能电子监察：{title}{due}。"
            f"{'请抓紧办理。' if kind == CardKind.warning else '已超时，请立即办理并说明原因。'}")


def recipients(session: Session, catalog: Catalog, subject: Subject) -> list[int]:
    """The office's approvers (or the window: the responsible clerk, or else the region's
    clerks) and the supervisors above it."""
    return offices.answering(session, catalog.regions, subject.region, subject.department,
                             window=subject.window, responsible_id=subject.responsible_id)


def close_cards(session: Session, subject: str, subject_id: int, decided: dt.datetime,
                deadline: dt.date | None, decided_on: dt.date, calendar: Calendar) -> None:
    """When the case is decided, its open cards close with the working days it was late:
    against `deadline`, or else against the deadline each card named."""
    for card in session.scalars(select(Card).where(
            Card.subject == subject, Card.subject_id == subject_id, Card.closed_at.is_(None))):
        against = deadline or card.due_on
        card.closed_at = decided
        card.delay_days = calendar.count(against, decided_on) if against else 0


# --- listing ---------------------------------------------------------------------------

# the card subjects by the profile's check they answer to
SUBJECT_CHECKS = {"task": "case", "application": "case", "procedure": "special_procedure",
                  "acceptance": "pre_acceptance", "issuing": "issuing",
                  "rectification": "rectification", "commitment_check": "commitment_check",
                  "help_request": "help_request", "ticket_sign": "enquiry",
                  "ticket_reply": "enquiry", "agency_review": "agency_review",
                  "check_result": "inspection_publicity", "disclosure": "disclosure"}
CHECKS_WATCHED = tuple(dict.fromkeys(SUBJECT_CHECKS.values()))
# the card subjects in words (the sweep's report)
SUBJECT_NAMES = {"task": "部门事项", "application": "办件", "procedure": "特别程序",
                 "acceptance": "网上申请受理", "issuing": "出件", "rectification": "差评整改",
                 "commitment_check": "告知承诺核查", "help_request": "帮代办",
                 "ticket_sign": "12345 工单签收", "ticket_reply": "12345 工单答复",
                 "agency_review": "中介机构入驻审核", "check_result": "抽查结果公示",
                 "disclosure": "政府信息公开申请答复"}
WINDOW = "window"  # as a department filter: the cards the window answers for (no department)


@dataclass(frozen=True)
class CardFilter:
    region: str | None = None  # the region and below
    department: str | None = None  # a department's code, or WINDOW
    kind: str | None = None  # warning | yellow | red
    check: str | None = None  # a profile check: case | special_procedure | …
    start: dt.date | None = None  # raised on or after (China date)
    end: dt.date | None = None  # raised on or before
    open_only: bool = False
    bundle: str | None = None  # about applications of this 一件事


def find_cards(ctx: Ctx, f: CardFilter, limit: int, offset: int) -> Page[Card]:
    """The cards the actor may see (an approver: their office's; a supervisor: their region
    and below; an admin: all), filtered, newest first."""
    conditions = _scope(ctx) + _filters(ctx, f)
    total = ctx.session.scalar(select(func.count()).select_from(Card).where(*conditions))
    found = list(ctx.session.scalars(select(Card).where(*conditions).order_by(
        Card.raised_at.desc(), Card.id.desc()).limit(limit).offset(offset)))
    return Page(found, int(total or 0), limit, offset)


def _scope(ctx: Ctx) -> list[ColumnElement[bool]]:
    role = ctx.actor.role
    if role == Role.approver:
        return [Card.department_code == ctx.actor.department,
                Card.region_code == ctx.actor.region]
    if role == Role.supervisor:
        return [Card.region_code.in_(sorted(descendants(ctx.catalog, ctx.actor.region or "")))]
    if role == Role.admin:
        return []
    raise Forbidden("只有审批部门、效能监察人员和管理员可以查看红黄牌", code="role_not_allowed")


def _filters(ctx: Ctx, f: CardFilter) -> list[ColumnElement[bool]]:
    problems: list[FieldProblem] = []
    conditions = _where(ctx, f, problems) + _what(ctx, f, problems) + _when(f, problems)
    if problems:
        raise Invalid("红黄牌查询条件有误", problems=problems)
    return conditions


def _where(ctx: Ctx, f: CardFilter, problems: list[FieldProblem]
           ) -> list[ColumnElement[bool]]:
    """The region (and below) and the office answering for the cards."""
    conditions: list[ColumnElement[bool]] = []
    if f.region and f.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {f.region} 不存在"))
    elif f.region:
        if (ctx.actor.role == Role.supervisor and ctx.actor.region
                and not within(ctx.catalog, f.region, ctx.actor.region)):
            raise Forbidden("只能查看本地区及下级地区的红黄牌", code="out_of_scope")
        conditions.append(Card.region_code.in_(sorted(descendants(ctx.catalog, f.region))))
    if f.department == WINDOW:
        conditions.append(Card.department_code.is_(None))
    elif f.department:
        if f.department not in ctx.catalog.departments:
            problems.append(FieldProblem("department", f"部门 {f.department} 不存在"))
        conditions.append(Card.department_code == f.department)
    return conditions


def _what(ctx: Ctx, f: CardFilter, problems: list[FieldProblem]
          ) -> list[ColumnElement[bool]]:
    """The kind of card, the check that raised it, the bundle of its application."""
    conditions: list[ColumnElement[bool]] = []
    if f.kind:
        if f.kind not in {k.value for k in CardKind}:
            problems.append(FieldProblem("kind", "应为 warning、yellow 或 red"))
        conditions.append(Card.kind == f.kind)
    if f.check:
        subjects = [s for s, c in SUBJECT_CHECKS.items() if c == f.check]
        if not subjects:
            problems.append(FieldProblem("check", f"应为：{'、'.join(CHECKS_WATCHED)}"))
        conditions.append(Card.subject.in_(subjects))
    if f.bundle:
        if f.bundle not in ctx.catalog.bundles:
            problems.append(FieldProblem("bundle", f"一件事 {f.bundle} 不存在"))
        conditions.append(Card.application_id.in_(select(Application.id).where(
            Application.bundle_code == f.bundle)))
    return conditions


def _when(f: CardFilter, problems: list[FieldProblem]) -> list[ColumnElement[bool]]:
    """Raised between two China dates (inclusive); still open."""
    conditions: list[ColumnElement[bool]] = []
    if f.start and f.end and f.end < f.start:
        problems.append(FieldProblem("to", "结束日期早于开始日期"))
    if f.start:
        conditions.append(Card.raised_at >= _china_midnight(f.start))
    if f.end:
        conditions.append(Card.raised_at < _china_midnight(f.end + dt.timedelta(days=1)))
    if f.open_only:
        conditions.append(Card.closed_at.is_(None))
    return conditions


def _china_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
