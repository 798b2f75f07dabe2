"""Failed logins: slowed, then locked, per username and per address; every refusal recorded.

A username is throttled whether or not it exists, so the answers never tell which names
are real. Services flush; the caller commits, also when the login is refused, so that the
failure and the lock are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.identity.models import LoginEvent, LoginThrottle, User
from onething.identity.policy import AccountPolicy
from onething.identity.service import authenticate, principal_of
from onething.kernel.db import upsert
from onething.kernel.errors import Forbidden, TooManyRequests, Unauthenticated
from onething.kernel.principal import STAFF, Role


@dataclass(frozen=True)
class Attempt:
    """Who tries to log in, from where, through which door (web | api), when."""

    username: str
    address: str
    door: str
    now: datetime

    @property
    def user_key(self) -> str:
        return "user:" + self.username.strip().lower()[:64]

    @property
    def address_key(self) -> str:
        return "addr:" + self.address[:64]


def checked_login(session: Session, attempt: Attempt, password: str,
                  policy: AccountPolicy) -> User:
    """The user if the password is right and neither the name nor the address is held back."""
    mine = throttle_row(session, attempt.user_key, attempt.now)
    theirs = session.get(LoginThrottle, attempt.address_key)
    wait = max(_wait(mine, policy.max_failures, policy, attempt.now),
               _wait(theirs, policy.address_max_failures, policy, attempt.now, slows=False))
    if wait:
        _record(session, attempt, "refused")
        raise _too_many(wait, policy, locked=_locked(mine, attempt.now)
                        or _locked(theirs, attempt.now))
    try:
        user = authenticate(session, attempt.username, password)
    except Unauthenticated:
        _fail(session, attempt, mine, theirs, policy)
        raise
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.user_key))
    if not policy.staff_passwords and Role(user.role) in STAFF:
        _record(session, attempt, "refused")
        raise Forbidden("工作人员请通过统一身份认证登录", code="sso_required")
    audit.record(session, principal_of(user), "login", "user", user.id,
                 region=user.region_code, at=attempt.now, after={"door": attempt.door})
    return user


def throttle_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The key's row, created when missing and locked for this transaction (PostgreSQL)."""
    session.execute(upsert(session)(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.scalars(select(LoginThrottle).where(LoginThrottle.key == key)
                           .with_for_update().execution_options(populate_existing=True)).one()


def _locked(row: LoginThrottle | None, now: datetime) -> bool:
    return row is not None and row.locked_until is not None and row.locked_until > now


def _wait(row: LoginThrottle | None, limit: int, policy: AccountPolicy, now: datetime,
          slows: bool = True) -> int:
    """Seconds before the next attempt may be tried (0: now)."""
    if row is None:
        return 0
    if _locked(row, now):
        assert row.locked_until is not None
        return _seconds(row.locked_until - now)
    if not slows or row.failures < policy.slow_after or _forgotten(row, policy, now):
        return 0
    delay = policy.slow * 2 ** (row.failures - policy.slow_after)
    return _seconds(row.last_failure_at + delay - now) if row.failures < limit else 0


def _forgotten(row: LoginThrottle, policy: AccountPolicy, now: datetime) -> bool:
    return row.last_failure_at + policy.lock <= now


def _seconds(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds()))


def _fail(session: Session, attempt: Attempt, mine: LoginThrottle,
          theirs: LoginThrottle | None, policy: AccountPolicy) -> None:
    """Count the failure for the name and the address; lock whichever reached its limit."""
    _record(session, attempt, "failure")
    theirs = throttle_row(session, attempt.address_key, attempt.now) if theirs is None else theirs
    locked = False
    for row, limit in ((mine, policy.max_failures), (theirs, policy.address_max_failures)):
        if row.locked_until is not None or _forgotten(row, policy, attempt.now):
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = attempt.now
        if row.failures >= limit:
            row.locked_until = attempt.now + policy.lock
            locked = True
    if locked:
        _record(session, attempt, "locked")
    session.flush()
    if locked:
        raise _too_many(_seconds(policy.lock), policy, locked=True)


def _too_many(seconds: int, policy: AccountPolicy, locked: bool) -> TooManyRequests:
    if locked:
        minutes = max(1, math.ceil(seconds / 60))
        return TooManyRequests(
            f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；"
            "如忘记密码，可在登录页点击“忘记密码”重置",
            retry_after=seconds, code="login_locked")
    return TooManyRequests(f"登录失败次数较多，请 {seconds} 秒后再试", retry_after=seconds,
                           code="login_slowed")


def _record(session: Session, attempt: Attempt, outcome: str) -> None:
    session.add(LoginEvent(at=attempt.now, username=attempt.username[:64],
                           address=attempt.address[:64], door=attempt.door, outcome=outcome))
