"""Matching (免申即享): who qualifies for a policy in force, for which period, how much, and
why — the profile values the rule read, each from its source and as-of day — kept with the
match; the holder is told through the outbox.

A run reads the holders that any of the policy's data sets knows in key order, a page of
rows at a time (the page's facts, then which of its holders are matched already), so a
million profiles are never in memory at once; a rule is given only the profile's values it
reads, each made when first read. A holder already matched for the period is left as it
is: a run may be repeated, or run by several processes at once — the database keeps one
match for one policy, holder and period, and only the run that made it tells the holder.
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Executable, Table, Text, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.expressions import Condition, ExpressionError, value_of
from onething.catalog.linked import Catalog, Policy
from onething.catalog.profile import Profile, Row, of_kind
from onething.catalog.spec import Recurrence, SourceHolder, SourceSpec
from onething.identity.models import User
from onething.kernel.db import upsert
from onething.kernel.errors import NotFound
from onething.kernel.principal import SYSTEM
from onething.outbox import service as outbox
from onething.policies.models import PolicyMatch, SharedFact
from onething.profiles.models import Company

ROWS = 5000  # shared-fact rows read at a time (a page of holders)
CENT = Decimal("0.01")


@dataclass
class MatchReport:
    policy: str
    period: str
    checked: int = 0
    matched: int = 0  # new matches of this run
    already: int = 0  # matched for this period by an earlier run
    missing: dict[str, int] = field(default_factory=dict)  # data the rule lacked: holders


def in_force(catalog: Catalog, today: dt.date) -> list[Policy]:
    return [p for p in catalog.policies.values() if p.spec.valid_from <= today and (
        p.spec.valid_until is None or today <= p.spec.valid_until)]


def period_of(policy: Policy, today: dt.date) -> str:
    if policy.spec.recurrence == Recurrence.monthly:
        return f"{today:%Y-%m}"
    if policy.spec.recurrence == Recurrence.yearly:
        return f"{today:%Y}"
    return ""


def match(session: Session, catalog: Catalog, code: str, today: dt.date,
          now: dt.datetime) -> MatchReport:
    """Match policy `code` over every holder its data sets know, for today's period."""
    policy = catalog.policies.get(code)
    if policy is None:
        raise NotFound(f"目录中没有政策 {code}", code="unknown_policy")
    report = MatchReport(policy=code, period=period_of(policy, today))
    kind = policy.spec.holder
    sources = of_kind(catalog.sources, kind)
    codes = [s.code for s in sources.values()]
    with _heap_frozen():
        for chunk in _holders(session, codes, code, report.period):
            new = []
            for holder, found in chunk:
                report.checked += 1
                if found is None:
                    report.already += 1
                    continue
                decided = _decide(catalog, policy, sources, holder, found, today, report)
                if decided is not None:
                    amount, why = decided
                    new.append({"policy_code": code, "holder_kind": kind.value,
                                "holder_key": holder, "period": report.period,
                                "amount": amount, "status": "matched", "facts": why,
                                "matched_at": now})
            if new:
                _insert(session, policy, new, now, report)
    audit.record(session, SYSTEM, "match_policy", "policy", code, after={
        "period": report.period, "checked": report.checked, "matched": report.matched})
    session.flush()
    return report


_MATCHES = cast(Table, PolicyMatch.__table__)


def _insert(session: Session, policy: Policy, new: list[dict[str, Any]], now: dt.datetime,
            report: MatchReport) -> None:
    """Insert a page's matches; what another run took meanwhile stays its own: told once, by
    that run."""
    taken = {key for (key,) in session.connection().execute(
        upsert(session)(_MATCHES).on_conflict_do_nothing(
            index_elements=["policy_code", "holder_key", "period"])
        .returning(_MATCHES.c.holder_key), new)}
    made = [m for m in new if m["holder_key"] in taken]
    if made:
        _tell(session, policy, made, now)
    report.matched += len(made)
    report.already += len(new) - len(made)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive before the run (modules, the catalog, the app) left out of the
    garbage collector's full passes while a million profiles come and go: those passes,
    triggered by the run's allocations, would otherwise walk the whole heap again and again
    (half the run's CPU time at 100 000 profiles)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _holders(session: Session, codes: list[str], policy_code: str, period: str
             ) -> Iterator[list[tuple[str, dict[str, list[Row]] | None]]]:
    """The holders the data sets know, in order, each with its facts by data set — None for
    a holder already matched for the period (its facts are not even decoded) —, read about
    ROWS rows at a time by key (keyset pages: one index range a page, and one for the
    matches in that range), a holder's rows never split across two pages."""
    page = (select(SharedFact.holder_key, SharedFact.source_code, SharedFact.period,
                   SharedFact.as_of, sql_cast(SharedFact.facts, Text))
            .where(_of_sets(codes)).order_by(SharedFact.holder_key))
    done = select(PolicyMatch.holder_key).where(PolicyMatch.policy_code == policy_code,
                                                PolicyMatch.period == period)
    connection = session.connection()  # Core rows: no ORM loading for a million of them
    last = ""
    while True:
        rows = connection.execute(page.where(SharedFact.holder_key > last).limit(ROWS)).all()
        if not rows:
            return
        if len(rows) == ROWS:  # the last holder's rows may go on in the next page
            cut = rows[-1][0]
            rows = [r for r in rows if r[0] != cut] or connection.execute(
                page.where(SharedFact.holder_key == cut)).all()  # one holder, ROWS rows
        matched = set(connection.scalars(done.where(PolicyMatch.holder_key > last,
                                                    PolicyMatch.holder_key <= rows[-1][0])))
        yield _grouped(rows, matched)
        last = rows[-1][0]


def _of_sets(codes: list[str]) -> ColumnElement[bool]:
    """Rows of these data sets. One set: its range of the unique index is in key order
    already. Several: read along the holder index (SQLite, which keeps no statistics, would
    otherwise take each set's range and sort them all together, for every page)."""
    if len(codes) == 1:
        return SharedFact.source_code == codes[0]
    return (SharedFact.source_code + "").in_(codes)  # not an index term


def _grouped(rows: Sequence[Any],
             matched: set[str]) -> list[tuple[str, dict[str, list[Row]] | None]]:
    out: list[tuple[str, dict[str, list[Row]] | None]] = []
    holder: str | None = None
    found: dict[str, list[Row]] | None = None
    for key, source, period, as_of, facts in rows:
        if key != holder:
            holder, found = key, (None if key in matched else {})
            out.append((key, found))
        if found is not None:
            found.setdefault(source, []).append((period, as_of, orjson.loads(facts)))
    return out


def facts_by_holder(session: Session, codes: list[str],
                    holders: list[str]) -> dict[str, dict[str, list[Row]]]:
    """The facts of these holders (a page of them) by data set, as `_holders` reads them."""
    found: dict[str, dict[str, list[Row]]] = {}
    for holder, source, period, as_of, facts in session.execute(
            select(SharedFact.holder_key, SharedFact.source_code, SharedFact.period,
                   SharedFact.as_of, SharedFact.facts).where(
                SharedFact.source_code.in_(codes), SharedFact.holder_key.in_(holders))):
        found.setdefault(holder, {}).setdefault(source, []).append((period, as_of, facts))
    return found


@dataclass(frozen=True)
class Outcome:
    """A policy decided over one profile: the amount (to the fen) when every condition holds,
    else the condition not met or the data the rules lacked."""

    amount: Decimal | None = None
    unmet: str | None = None
    missing: str | None = None  # a fact the profile lacks, or "负数金额"


def outcome(policy: Policy, profile: Mapping[str, Any]) -> Outcome:
    try:
        for rule, text in policy.eligible:  # the first condition not met
            if not rule.holds(_read_by(rule, profile)):
                return Outcome(unmet=text)
        amount = Decimal(str(value_of(policy.amount, _read_by(policy.amount, profile)))
                         ).quantize(CENT, ROUND_HALF_UP)
    except ExpressionError as exc:
        return Outcome(missing=str(exc).rsplit(" ", 1)[-1])
    if amount < 0:  # validation tries sample profiles; a real one may still go below 0
        return Outcome(unmet="按现有数据计算的金额小于 0 元", missing="负数金额")
    return Outcome(amount=amount)


def _read_by(condition: Condition, profile: Mapping[str, Any]) -> dict[str, Any]:
    """The profile's variables the expression reads, and no others: CEL converts every value
    it is given (a timestamp costs ~15 µs), so a rule on `age` alone is given `age` alone."""
    return {name: profile[name] for name in condition.variables if name in profile}


def _decide(catalog: Catalog, policy: Policy, sources: Mapping[str, SourceSpec], holder: str,
            found: Mapping[str, list[Row]], today: dt.date,
            report: MatchReport) -> tuple[Decimal, dict[str, Any]] | None:
    """(amount, why) when the holder qualifies; None when not (a rule that reads data the
    holder's profile lacks counts as not, and the missing data is counted)."""
    profile = Profile(sources, policy.spec.holder, holder, found, today)
    decided = outcome(policy, profile)
    if decided.missing is not None:
        report.missing[decided.missing] = report.missing.get(decided.missing, 0) + 1
    if decided.amount is None:
        return None
    return decided.amount, _why(catalog, policy, profile, found)


def _why(catalog: Catalog, policy: Policy, profile: Mapping[str, Any],
         found: Mapping[str, list[Row]]) -> dict[str, Any]:
    """The profile values the rule and the amount read, each data set with its name,
    department and as-of day."""
    out: dict[str, Any] = {}
    for name in sorted(policy.variables):
        value = _plain(profile.get(name))
        source = next((s for s in catalog.sources.values() if s.code.lower() == name), None)
        if source is None:
            out[name] = value
            continue
        days = [as_of for _, as_of, _ in found.get(source.code, [])]
        out[name] = {"source": source.name, "department": source.department,
                     "as_of": max(days).isoformat() if days else None, "values": value}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _tell(session: Session, policy: Policy, new: list[dict[str, Any]],
          now: dt.datetime) -> None:
    """The holders with an account on the platform (a person by ID number, a company through
    its legal representative's) hear of their match."""
    amounts = {m["holder_key"]: m["amount"] for m in new}
    for user_id, key in session.execute(accounts(policy.spec.holder, list(amounts))):
        assert key is not None
        outbox.queue(session, [user_id], f"您符合“{policy.spec.name}”政策",
                     _message(policy, amounts[key]), now)


def accounts(holder: SourceHolder, keys: list[str]) -> Executable:
    """(user id, holder key) of the holders' active accounts: a person's by their ID number,
    a company's legal representative's (政策兑现: the company confirms through them)."""
    if holder == SourceHolder.company:
        return select(User.id, Company.uscc).join(
            Company, Company.legal_rep_id_number == User.id_number).where(
            Company.uscc.in_(keys), User.active.is_(True))
    return select(User.id, User.id_number).where(User.id_number.in_(keys),
                                                 User.active.is_(True))


def _message(policy: Policy, amount: Decimal) -> str:
    spec = policy.spec
    how = ("请登录平台确认收款账户和金额。" if spec.confirm else
           f"无需申请，将发放至您的{spec.channel}。")
    publicity = f"确认后将公示 {spec.publicity_days} 个工作日。" if spec.publicity_days else ""
    return (f"经{spec.name}政策数据比对，您符合享受条件，本期金额 {amount} 元。{how}"
            f"{publicity}依据：{spec.legal_basis}")

