"""政策计算器: the policies in force a holder can get now, how much, and for the others the
condition they do not meet, from the holder's own profile (the shared data about them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from onething.catalog.expressions import ExpressionError, value_of
from onething.catalog.linked import Catalog, Policy
from onething.catalog.profile import context
from onething.catalog.spec import SourceHolder
from onething.policies.matching import CENT, in_force
from onething.policies.service import facts_of

NO_ID = "您的账号未登记身份证号，无法与共享数据比对"


@dataclass(frozen=True)
class Estimate:
    policy: Policy
    eligible: bool
    amount: Decimal | None  # this period's, when eligible
    unmet: str | None  # the condition not met (or the data missing), when not


def estimates(session: Session, catalog: Catalog, kind: SourceHolder, key: str | None,
              today: dt.date) -> list[Estimate]:
    """Every policy in force for holders of `kind`, decided for the holder `key` (None: the
    person's account has no ID number, so nothing can be compared)."""
    policies = [p for p in in_force(catalog, today) if p.spec.holder == kind]
    if key is None:
        return [Estimate(p, False, None, NO_ID) for p in policies]
    found = {code: f.rows for code, f in facts_of(session, catalog, key).items()}
    profile = context(catalog.sources, kind, key, found, today)
    return [_estimate(p, profile) for p in policies]


def _estimate(policy: Policy, profile: dict[str, object]) -> Estimate:
    try:
        unmet = policy.unmet(profile)
        if unmet is not None:
            return Estimate(policy, False, None, unmet)
        amount = Decimal(str(value_of(policy.amount, profile))).quantize(CENT, ROUND_HALF_UP)
    except ExpressionError:
        return Estimate(policy, False, None, "共享数据中缺少比对所需的信息")
    return Estimate(policy, True, max(amount, Decimal(0)), None)
