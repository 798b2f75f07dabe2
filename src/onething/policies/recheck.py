"""Recurring benefits re-checked each period (动态核查): after a period's matching run, a
holder matched for the period before who does not qualify for this one is recorded as
stopped for this period — why: the condition not met —, and told once. A stop is a match
row of its own (status `stopped`, amount 0), so the database keeps one per policy, holder
and period, and a repeated run tells nobody twice. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.linked import Catalog, Policy
from onething.catalog.profile import context
from onething.catalog.spec import Recurrence
from onething.kernel.db import upsert
from onething.kernel.errors import NotFound
from onething.kernel.principal import SYSTEM
from onething.outbox import service as outbox
from onething.policies.flow import MatchStatus
from onething.policies.matching import accounts, facts_by_holder, outcome, period_of
from onething.policies.models import PolicyMatch

CHUNK = 1000
MISSING = "共享数据中缺少比对所需的信息"
ENDED = (MatchStatus.stopped.value, MatchStatus.rejected.value)


def previous_period(policy: Policy, today: dt.date) -> str | None:
    """The period before today's, for a recurring policy (None for a one-off)."""
    if policy.spec.recurrence == Recurrence.monthly:
        index = today.year * 12 + today.month - 2
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if policy.spec.recurrence == Recurrence.yearly:
        return f"{today.year - 1:04d}"
    return None


def stop_unqualified(session: Session, catalog: Catalog, code: str, today: dt.date,
                     now: dt.datetime) -> int:
    """Record as stopped, for today's period, every holder of policy `code` matched for the
    period before who does not qualify now (run after the period's `match`); how many."""
    policy = catalog.policies.get(code)
    if policy is None:
        raise NotFound(f"目录中没有政策 {code}", code="unknown_policy")
    before = previous_period(policy, today)
    if before is None:
        return 0
    period = period_of(policy, today)
    now_decided = select(PolicyMatch.holder_key).where(PolicyMatch.policy_code == code,
                                                       PolicyMatch.period == period)
    holders = list(session.scalars(select(PolicyMatch.holder_key).where(
        PolicyMatch.policy_code == code, PolicyMatch.period == before,
        PolicyMatch.status.not_in(ENDED), PolicyMatch.holder_key.not_in(now_decided))
        .order_by(PolicyMatch.holder_key)))
    codes = [s.code for s in catalog.sources.values() if s.holder == policy.spec.holder]
    stopped = 0
    for start in range(0, len(holders), CHUNK):
        chunk = holders[start:start + CHUNK]
        rows = _stops(catalog, policy, chunk, facts_by_holder(session, codes, chunk), today, period,
                      before, now)
        if rows:
            taken = {key for (key,) in session.connection().execute(
                upsert(session)(_MATCHES).on_conflict_do_nothing(
                    index_elements=["policy_code", "holder_key", "period"])
                .returning(_MATCHES.c.holder_key), rows)}
            _tell(session, policy, [r for r in rows if r["holder_key"] in taken])
            stopped += len(taken)
    audit.record(session, SYSTEM, "stop_policy", "policy", code,
                 after={"period": period, "stopped": stopped})
    session.flush()
    return stopped


_MATCHES = cast(Table, PolicyMatch.__table__)


def _stops(catalog: Catalog, policy: Policy, holders: list[str],
           found: dict[str, Any], today: dt.date, period: str, before: str,
           now: dt.datetime) -> list[dict[str, Any]]:
    out = []
    for holder in holders:
        profile = context(catalog.sources, policy.spec.holder, holder, found.get(holder, {}),
                          today)
        decided = outcome(policy, profile)
        if decided.amount is not None:
            continue  # still qualifies: this period's run has not matched it yet
        why = decided.unmet or MISSING
        out.append({"policy_code": policy.code, "holder_kind": policy.spec.holder.value,
                    "holder_key": holder, "period": period, "amount": 0,
                    "status": MatchStatus.stopped.value, "note": why[:500],
                    "facts": {"unmet": why, "last_period": before}, "matched_at": now})
    return out


def _tell(session: Session, policy: Policy, rows: list[dict[str, Any]]) -> None:
    """The stopped holders with an account hear of it (a page of them, one lookup)."""
    stopped = {row["holder_key"]: row for row in rows}
    for user_id, key in session.execute(accounts(policy.spec.holder, list(stopped))):
        row = stopped[key]
        outbox.queue(session, [user_id], f"“{policy.spec.name}”停发通知",
                     f"经{policy.spec.name}政策数据动态核查，自 {row['period']} 期起停发："
                     f"不再符合“{row['note']}”。如有异议，可在政策计算器中提出申诉。",
                     row["matched_at"])
