"""Matching (免申即享): who qualifies for a policy in force, for which period, how much, and
why — the profile values the rule read, each from its source and as-of day — kept with the
match; the holder is told through the outbox.

A run reads the holders that any of the policy's data sets knows, a chunk at a time (one
query for a chunk's facts), so a million profiles are never in memory at once. A holder
already matched for the period is left as it is: a run may be repeated, or run by several
processes at once — the database keeps one match for one policy, holder and period, and
only the run that made it tells the holder. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Executable, Table, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.expressions import ExpressionError, value_of
from onething.catalog.linked import Catalog, Policy
from onething.catalog.profile import Row, context
from onething.catalog.spec import Recurrence, SourceHolder
from onething.identity.models import User
from onething.kernel.db import upsert
from onething.kernel.errors import NotFound
from onething.kernel.principal import SYSTEM
from onething.outbox import service as outbox
from onething.policies.models import PolicyMatch, SharedFact
from onething.profiles.models import Company

CHUNK = 1000  # holders read and decided at a time
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
    codes = [s.code for s in catalog.sources.values() if s.holder == kind]
    for holders in _chunks(session, codes):
        found = _facts(session, codes, holders)
        done = set(session.scalars(select(PolicyMatch.holder_key).where(
            PolicyMatch.policy_code == code, PolicyMatch.period == report.period,
            PolicyMatch.holder_key.in_(holders))))
        new = []
        for holder in holders:
            report.checked += 1
            if holder in done:
                report.already += 1
                continue
            decided = _decide(catalog, policy, holder, found.get(holder, {}), today, report)
            if decided is not None:
                amount, why = decided
                new.append({"policy_code": code, "holder_kind": kind.value,
                            "holder_key": holder, "period": report.period, "amount": amount,
                            "status": "matched", "facts": why, "matched_at": now})
        if new:  # what another run took meanwhile stays its own: told once, by that run
            taken = {key for (key,) in session.connection().execute(
                upsert(session)(_MATCHES).on_conflict_do_nothing(
                    index_elements=["policy_code", "holder_key", "period"])
                .returning(_MATCHES.c.holder_key), new)}
            made = [m for m in new if m["holder_key"] in taken]
            _tell(session, policy, made, now)
            report.matched += len(made)
            report.already += len(new) - len(made)
    audit.record(session, SYSTEM, "match_policy", "policy", code, after={
        "period": report.period, "checked": report.checked, "matched": report.matched})
    session.flush()
    return report


_MATCHES = cast(Table, PolicyMatch.__table__)


def _chunks(session: Session, codes: list[str]) -> Iterator[list[str]]:
    """The holders the data sets know, in order, CHUNK at a time (keyset pages)."""
    last = ""
    while True:
        holders = list(session.scalars(
            select(SharedFact.holder_key).where(SharedFact.source_code.in_(codes),
                                                SharedFact.holder_key > last)
            .group_by(SharedFact.holder_key).order_by(SharedFact.holder_key).limit(CHUNK)))
        if not holders:
            return
        yield holders
        last = holders[-1]


def _facts(session: Session, codes: list[str],
           holders: list[str]) -> dict[str, dict[str, list[Row]]]:
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
        unmet = policy.unmet(profile)
        if unmet is not None:
            return Outcome(unmet=unmet)
        amount = Decimal(str(value_of(policy.amount, profile))).quantize(CENT, ROUND_HALF_UP)
    except ExpressionError as exc:
        return Outcome(missing=str(exc).rsplit(" ", 1)[-1])
    if amount < 0:  # validation tries sample profiles; a real one may still go below 0
        return Outcome(unmet="按现有数据计算的金额小于 0 元", missing="负数金额")
    return Outcome(amount=amount)


def _decide(catalog: Catalog, policy: Policy, holder: str, found: Mapping[str, list[Row]],
            today: dt.date, report: MatchReport) -> tuple[Decimal, dict[str, Any]] | None:
    """(amount, why) when the holder qualifies; None when not (a rule that reads data the
    holder's profile lacks counts as not, and the missing data is counted)."""
    profile = context(catalog.sources, policy.spec.holder, holder, found, today)
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
    for user_id, key in session.execute(_accounts(policy, list(amounts))):
        assert key is not None
        outbox.queue(session, [user_id], f"您符合“{policy.spec.name}”政策",
                     _message(policy, amounts[key]), now)


def _accounts(policy: Policy, keys: list[str]) -> Executable:
    """(user id, holder key) of the holders' accounts: a person's by their ID number, a
    company's legal representative's (政策兑现: the company confirms through them)."""
    if policy.spec.holder == SourceHolder.company:
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

