"""政策计算器: the policies in force a holder can get now, how much, and for the others the
condition they do not meet, from the holder's own profile (the shared data about them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog, Policy
from onething.catalog.profile import context
from onething.catalog.spec import SourceHolder
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.errors import Forbidden
from onething.kernel.identifiers import id_number_problem, mask_id_number
from onething.kernel.principal import Principal
from onething.policies.matching import in_force, outcome
from onething.policies.service import facts_of
from onething.profiles import service as profiles

NO_ID = "您的账号未登记身份证号，无法与共享数据比对"
MISSING = "共享数据中缺少比对所需的信息"
TIER_NAMES = {"proactive": "免申即享", "quick": "快申快享", "on_request": "依申请"}
RECURRENCE_NAMES = {"once": "一次性", "monthly": "按月", "yearly": "按年"}


def may_calculate(actor: Principal) -> bool:
    """The calculator is for people (staff have no profile of their own here)."""
    return not actor.is_staff


def person_key(session: Session, user_id: int) -> str | None:
    """The person's 居民身份证号, if their account has a valid one."""
    own = session.get(User, user_id)
    number = (own.id_number or "").upper() if own else ""
    return number if number and id_number_problem(number) is None else None


@dataclass(frozen=True)
class Estimate:
    policy: Policy
    eligible: bool
    amount: Decimal | None  # this period's, when eligible
    unmet: str | None  # the condition not met (or the data missing), when not


@dataclass(frozen=True)
class Holder:
    kind: SourceHolder
    key: str | None  # None: a person whose account has no ID number
    shown: str | None  # the ID number masked, or the USCC

    def estimates(self, ctx: Ctx) -> list[Estimate]:
        return estimates(ctx.session, ctx.catalog, self.kind, self.key,
                         ctx.now.astimezone(CHINA).date())


def holder_for(ctx: Ctx, company: str | None) -> Holder:
    """Whom the calculator compares: the signed-in person, or a company they represent
    (404 for any other)."""
    if not may_calculate(ctx.actor):
        raise Forbidden("政策计算器供办事人使用；请以办事人身份登录", code="role_not_allowed")
    if company:
        uscc = profiles.visible_company(ctx, company).uscc
        return Holder(SourceHolder.company, uscc, uscc)
    key = person_key(ctx.session, ctx.actor.user_id)
    return Holder(SourceHolder.person, key, mask_id_number(key) if key else None)


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
    decided = outcome(policy, profile)
    if decided.amount is not None:
        return Estimate(policy, True, decided.amount, None)
    return Estimate(policy, False, None, decided.unmet or MISSING)


def department_name(catalog: Catalog, policy: Policy) -> str:
    found = catalog.departments.get(policy.spec.department)
    return found.name if found else policy.spec.department
