"""Users, passwords, sessions, tokens and proxy consents. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.models import DepartmentRow, RegionRow
from onething.db import utcnow
from onething.errors import FieldProblem, Forbidden, Invalid, NotFound, Unauthenticated
from onething.identifiers import id_number_problem, uscc_problem
from onething.identity.models import AuthSession, ProxyConsent, User
from onething.identity.roles import STAFF, Principal, Role

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("timing-equaliser")
SESSION_HOURS = {"web": 8, "api": 12}
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    return None


def create_user(session: Session, *, username: str, password: str, role: Role,
                display_name: str | None = None, region: str | None = None,
                department: str | None = None, id_number: str | None = None,
                phone: str | None = None, password_hash: str | None = None) -> User:
    """A new user; staff must name an existing region, approvers also a department.

    `password_hash` takes an argon2 hash made elsewhere (users moved from another system).
    """
    problems = _user_problems(session, username, password, role, region, department, id_number)
    if problems:
        raise Invalid("用户信息有误：" + "；".join(p.message for p in problems),
                      problems=problems)
    user = User(username=username, display_name=display_name or username, role=role.value,
                region_code=region, department_code=department,
                id_number=id_number.upper() if id_number else None, phone=phone,
                password_hash=password_hash or hash_password(password))
    session.add(user)
    session.flush()
    return user


def _user_problems(session: Session, username: str, password: str, role: Role,
                   region: str | None, department: str | None,
                   id_number: str | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not username or len(username) > 64 or not username.replace("_", "").replace(
            "-", "").replace(".", "").isalnum():
        problems.append(FieldProblem("username", "用户名只能包含字母、数字、下划线、点和连字符"))
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(FieldProblem("username", f"用户名 {username} 已存在"))
    reason = password_problem(password)
    if reason:
        problems.append(FieldProblem("password", reason))
    if (role in STAFF or role == Role.proxy) and region is None:
        problems.append(FieldProblem("region", "工作人员必须指定所属行政区划"))
    if region is not None and session.get(RegionRow, region) is None:
        problems.append(FieldProblem("region", f"行政区划 {region} 不存在"))
    if role == Role.approver and department is None:
        problems.append(FieldProblem("department", "审批人员必须指定所属部门"))
    if department is not None and session.get(DepartmentRow, department) is None:
        problems.append(FieldProblem("department", f"部门 {department} 不存在"))
    if id_number:
        reason = id_number_problem(id_number) if len(id_number) == 18 and id_number[
            :17].isdigit() else uscc_problem(id_number)
        if reason:
            problems.append(FieldProblem("id_number", reason))
    return problems


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     role=Role(user.role), region=user.region_code,
                     department=user.department_code)


def authenticate(session: Session, username: str, password: str) -> User:
    """The user if the password is right; the same refusal for every kind of failure."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthenticated("用户名或密码不正确", code="bad_credentials")
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, kind: str,
                 now: datetime | None = None) -> tuple[str, AuthSession]:
    """A new web session or API token; the secret is returned once and stored only hashed."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = AuthSession(token_hash=_hash(token), user_id=user.id, kind=kind,
                      csrf_token=secrets.token_urlsafe(24), created_at=now,
                      expires_at=now + timedelta(hours=SESSION_HOURS[kind]))
    session.add(row)
    session.flush()
    return token, row


def resolve(session: Session, token: str, kind: str,
            now: datetime | None = None) -> tuple[Principal, AuthSession]:
    now = now or utcnow()
    row = session.get(AuthSession, _hash(token))
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthenticated("登录已失效，请重新登录", code="session_expired")
    user = session.get_one(User, row.user_id)
    if not user.active:
        raise Unauthenticated("账号已停用", code="account_disabled")
    return principal_of(user), row


def close_session(session: Session, token: str, now: datetime | None = None) -> None:
    row = session.get(AuthSession, _hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户 {username}", code="user_not_found")
    return user


def record_consent(session: Session, actor: Principal, *, proxy: User, person: User,
                   note: str) -> ProxyConsent:
    """帮代办: staff record that `person` lets `proxy` apply for them."""
    if actor.role not in (Role.clerk, Role.admin):
        raise Forbidden("只有窗口人员或管理员可以登记代办授权")
    if Role(proxy.role) != Role.proxy:
        raise Invalid(f"{proxy.username} 不是帮代办员", code="not_a_proxy")
    consent = ProxyConsent(proxy_id=proxy.id, person_id=person.id, recorded_by_id=actor.user_id,
                           note=note[:500])
    session.add(consent)
    session.flush()
    return consent


def has_consent(session: Session, proxy_id: int, person_id: int) -> bool:
    return session.scalar(
        select(ProxyConsent.id).where(
            ProxyConsent.proxy_id == proxy_id, ProxyConsent.person_id == person_id,
            ProxyConsent.revoked_at.is_(None)).limit(1)
    ) is not None


def revoke_consent(session: Session, actor: Principal, consent_id: int) -> None:
    consent = session.get(ProxyConsent, consent_id)
    if consent is None:
        raise NotFound("没有该代办授权", code="consent_not_found")
    if actor.user_id != consent.person_id and actor.role not in (Role.clerk, Role.admin):
        raise Forbidden("只有本人或窗口人员可以撤销代办授权")
    consent.revoked_at = utcnow()
