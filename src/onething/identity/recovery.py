"""忘记密码: a user who forgot the password asks for a one-time code, sent by SMS to the
phone or by mail to the address on file (through the outbox, `RecoveryCodeIssued`), and
sets a new password with it.

The code is six random digits, kept only as a hash, used once, alive for the policy's
`code_life`, killed by `code_max_failures` wrong tries, and replaced by the next one asked.
Requests are limited per username (one per `code_wait`, `codes_per_hour` an hour) and per
client address; the answer to a request is the same whether or not the account exists, may
recover or has the chosen contact, and so are the limits (counted per name as typed).
Locked and ended accounts, and people with no login of their own, get no code. Services
flush; the caller commits.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.identity.events import RecoveryCodeIssued
from onething.identity.models import LoginThrottle, PasswordCode, User
from onething.identity.policy import AccountPolicy
from onething.identity.service import (
    NO_PASSWORD,
    principal_of,
    set_password,
    typed_twice,
    verify_secret,
)
from onething.kernel import bus
from onething.kernel.context import Context
from onething.kernel.db import keep_refusal
from onething.kernel.errors import FieldProblem, Forbidden, Invalid, TooManyRequests

# argon2 at the lowest costs OWASP lists: tens of milliseconds, so that guessing a stolen
# code's hash among its million values takes longer than the code lives, while asking for
# a code costs the server little
_codes = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
CHANNELS = {"sms": "短信（预留手机号）", "email": "电子邮件（预留邮箱）"}
DIGITS = 6


def sent_answer(policy: AccountPolicy) -> str:
    """What every request for a code is told, whatever the account."""
    return (f"如果该账号存在且留有所选的联系方式，验证码已发送，{code_minutes(policy)} 分钟内有效。"
            "请查收后设置新密码。")


def code_minutes(policy: AccountPolicy) -> int:
    """How long a code lives, in minutes (as people are told)."""
    return max(1, int(policy.code_life.total_seconds() // 60))


def _name(username: str) -> str:
    return username.strip().lower()[:64]


def may_recover(user: User) -> bool:
    """An account in use with a login of its own (not locked, not ended)."""
    return user.active and user.locked_at is None and user.password_hash != NO_PASSWORD


def _contact(user: User, channel: str) -> str | None:
    return user.phone if channel == "sms" else user.email


def ask_code(ctx: Context, *, username: str, channel: str, client: str,
             policy: AccountPolicy) -> None:
    """A code for the account named, sent through `channel` where the account may recover
    and has that contact; the request is recorded (and limited) either way."""
    session, now = ctx.session, ctx.now
    problems = _request_problems(username, channel)
    if problems:
        raise Invalid("；".join(p.message for p in problems), problems=problems)
    name = _name(username)
    _limit(session, name, client[:64], now, policy)
    user = session.scalar(select(User).where(User.username == username.strip()))
    reached = user if user is not None and may_recover(user) and _contact(user, channel) \
        else None
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    hashed = _codes.hash(code)  # made either way: the answer takes as long
    if reached is not None:
        session.execute(update(PasswordCode).where(
            PasswordCode.user_id == reached.id, PasswordCode.closed_at.is_(None))
            .values(closed_at=now))
    session.add(PasswordCode(username=name, client=client[:64], channel=channel,
                             user_id=reached.id if reached else None,
                             code_hash=hashed if reached else None, created_at=now,
                             expires_at=now + policy.code_life, failures=0))
    session.flush()
    if reached is not None:
        bus.publish(ctx, RecoveryCodeIssued(reached.id, channel, code, code_minutes(policy)))
        audit.record(session, principal_of(reached), "ask_recovery_code", "user", reached.id,
                     region=reached.region_code, at=now, after={"channel": channel})


def _request_problems(username: str, channel: str) -> list[FieldProblem]:
    problems = []
    if not username.strip():
        problems.append(FieldProblem("username", "请填写用户名"))
    if channel not in CHANNELS:
        problems.append(FieldProblem("channel", "请选择接收验证码的方式：短信或电子邮件"))
    return problems


def _limit(session: Session, name: str, client: str, now: datetime,
           policy: AccountPolicy) -> None:
    """Refuse a request past the limits of its name or its client (429, with the wait)."""
    hour = timedelta(hours=1)
    mine = list(session.scalars(select(PasswordCode.created_at).where(
        PasswordCode.username == name, PasswordCode.created_at > now - hour)))
    waits = []
    if mine and max(mine) + policy.code_wait > now:
        waits.append(max(mine) + policy.code_wait - now)
    if len(mine) >= policy.codes_per_hour:
        waits.append(sorted(mine)[-policy.codes_per_hour] + hour - now)
    theirs = session.scalar(select(func.count(PasswordCode.id)).where(
        PasswordCode.client == client, PasswordCode.created_at > now - hour)) or 0
    if theirs >= policy.address_codes_per_hour:
        first = session.scalar(select(PasswordCode.created_at).where(
            PasswordCode.client == client, PasswordCode.created_at > now - hour)
            .order_by(PasswordCode.created_at.desc()).offset(
                policy.address_codes_per_hour - 1).limit(1))
        waits.append((first or now) + hour - now)
    if waits:
        seconds = max(1, math.ceil(max(waits).total_seconds()))
        raise TooManyRequests(f"获取验证码过于频繁，请{_wait_words(seconds)}后再试",
                              retry_after=seconds, code="too_many_requests")


def _wait_words(seconds: int) -> str:
    return f" {seconds} 秒" if seconds < 60 else f" {math.ceil(seconds / 60)} 分钟"


def reset_password(ctx: Context, *, username: str, code: str, new_password: str,
                   again: str | None = None, policy: AccountPolicy) -> User:
    """The new password, with the account's latest code: a wrong try counts (and is kept
    when refused), the code used is closed, every session and token of the account ends,
    and the login throttle of the name is cleared. `again`: the new password typed twice
    (the pages)."""
    session, now = ctx.session, ctx.now
    if again is not None:
        typed_twice(new_password, again)
    user = session.scalar(select(User).where(User.username == username.strip()))
    row = None if user is None else session.scalar(
        select(PasswordCode).where(PasswordCode.user_id == user.id)
        .order_by(PasswordCode.id.desc()).limit(1).with_for_update())
    if user is None or row is None or row.closed_at is not None or row.code_hash is None:
        raise _invalid("验证码不正确或已失效，请重新获取验证码")
    if row.expires_at <= now:
        raise Invalid(f"验证码已过期（{code_minutes(policy)} 分钟内有效），请重新获取验证码",
                      code="code_expired",
                      problems=[FieldProblem("code", "验证码已过期，请重新获取")])
    if not verify_secret(row.code_hash, code.strip()):
        raise _wrong(session, row, now, policy)
    if not may_recover(user):
        raise Forbidden("账号已被锁定或停用，不能找回密码，请联系管理员",
                        code="account_unavailable")
    set_password(session, user, new_password, now)
    row.closed_at = now
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.key == "user:" + _name(user.username)))
    audit.record(session, principal_of(user), "recover_password", "user", user.id,
                 region=user.region_code, at=now, after={"channel": row.channel})
    return user


def _invalid(message: str) -> Invalid:
    return Invalid(message, code="code_invalid", problems=[FieldProblem("code", message)])


def _wrong(session: Session, row: PasswordCode, now: datetime,
           policy: AccountPolicy) -> Invalid | TooManyRequests:
    """A wrong try counted (and kept); the last one allowed kills the code."""
    row.failures += 1
    left = policy.code_max_failures - row.failures
    refusal: Invalid | TooManyRequests
    if left <= 0:
        row.closed_at = now
        refusal = TooManyRequests("验证码输入错误次数过多，已失效，请重新获取验证码",
                                  retry_after=math.ceil(policy.code_wait.total_seconds()),
                                  code="too_many_attempts")
    else:
        refusal = _invalid(f"验证码不正确，还可尝试 {left} 次")
    session.flush()
    keep_refusal(session, refusal)
    return refusal

