"""Users, passwords, sessions, tokens and proxy consents. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, bindparam, select, true, update
from sqlalchemy.orm import Session, aliased

from onething.audit import service as audit
from onething.catalog.models import DepartmentRow, RegionRow
from onething.identity.models import AuthSession, ProxyConsent, User
from onething.identity.policy import DEFAULT_POLICY, AccountPolicy
from onething.kernel.clock import utcnow
from onething.kernel.errors import FieldProblem, Forbidden, Invalid, NotFound, Unauthenticated
from onething.kernel.identifiers import id_number_problem, uscc_problem
from onething.kernel.principal import STAFF, SYSTEM, Principal, Role
from onething.kernel.regions import descendants

if TYPE_CHECKING:
    from onething.catalog.linked import Catalog

_hasher = PasswordHasher()
MIN_PASSWORD, MAX_PASSWORD = 8, 128
# Passwords that meet the character rules and are still the first ones guessed (lowercase).
COMMON_PASSWORDS = frozenset({
    "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword1", "p@ssw0rd1",
    "qwerty123", "qwe123!@#", "qwer1234", "asdf1234", "zxcv1234", "abc12345", "abcd1234",
    "abc@1234", "abc123456", "abc123!@#", "aa123456", "aa12345678", "aa123456789", "a1234567",
    "a12345678", "a123456789", "a1b2c3d4", "z123456789", "admin123", "admin1234", "admin@123",
    "admin#123", "admin123456", "root1234", "root@123", "test1234", "test@123", "welcome1",
    "welcome123", "changeme1", "letmein1", "iloveyou1", "woaini1314", "woaini520", "1qaz2wsx",
    "1qaz@wsx", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx", "qq123456", "huawei123", "huawei@123",
    "zhang123456", "wang123456",
})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_secret(hashed: str, secret: str) -> bool:
    """Whether `secret` is the one `hashed` was made from (`hash_password`)."""
    try:
        return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the username is unknown, so that a refusal takes as long
    either way. Made on the first such login, not at import: commands that never check a
    password (`onething user add`) do not pay for it."""
    return _hasher.hash("timing-equaliser")


def password_problem(password: str, username: str = "") -> str | None:
    """Every rule the password breaks, in one message naming each rule; None if it is fine.

    The baseline: at least 8 characters; at least three of upper-case letters, lower-case
    letters, digits and other characters; not containing the username; not a common one.
    """
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"密码长度至少 {MIN_PASSWORD} 位")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"密码长度不能超过 {MAX_PASSWORD} 位")
    if _classes(password) < 3:
        problems.append("密码须包含大写字母、小写字母、数字、特殊符号中的至少三类")
    name, lowered = username.strip().lower(), password.lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        problems.append("密码不能包含用户名")
    if lowered in COMMON_PASSWORDS:
        problems.append("密码过于常见，容易被猜中，请换一个")
    return "；".join(problems) or None


def _classes(password: str) -> int:
    kinds = (str.isupper, str.islower, str.isdigit)
    found = {i for c in password for i, kind in enumerate(kinds) if c.isascii() and kind(c)}
    others = any(not (c.isascii() and c.isalnum()) for c in password)
    return len(found) + others


def create_user(session: Session, *, username: str, password: str, role: Role,
                display_name: str | None = None, region: str | None = None,
                department: str | None = None, id_number: str | None = None,
                phone: str | None = None, password_hash: str | None = None,
                email: str | None = None, actor: Principal = SYSTEM,
                at: datetime | None = None) -> User:
    """A new user; staff must name an existing region, approvers also a department.

    `password_hash` takes an argon2 hash made elsewhere (users moved from another system);
    `actor` is who the audit trail names (an administrator in the staff directory), `at`
    when (the clock's now by default).
    """
    problems = _user_problems(session, username, password, role, region, department, id_number)
    if problems:
        raise Invalid("用户信息有误：" + "；".join(p.message for p in problems),
                      problems=problems)
    user = User(username=username, display_name=display_name or username, role=role.value,
                region_code=region, department_code=department,
                id_number=id_number.upper() if id_number else None, phone=phone, email=email,
                password_hash=password_hash or hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, "create_user", "user", user.id, region=region, at=at,
                 after={"username": username, "role": role.value, "region": region,
                        "department": department})
    return user


# a password hash nothing verifies against: the person has no login of their own yet
NO_PASSWORD = "!no-login"


def person_of(session: Session, *, name: str, id_number: str, phone: str | None = None,
              field: str = "id_number") -> User:
    """The applicant with this 居民身份证号, or a new one with no login of their own: a
    walk-in at the window (帮办), a person whose case came from another platform. Their
    cases, licences and file are theirs when they register. `field` names the ID number in
    a refusal."""
    number = id_number.strip().upper()
    reason = id_number_problem(number)
    if reason:
        raise Invalid(f"身份证号码有误：{reason}", code="bad_id_number",
                      problems=[FieldProblem(field, reason)])
    found = session.scalar(select(User).where(User.id_number == number,
                                              User.role == Role.applicant.value))
    if found is not None:
        return found
    user = User(username=f"person-{secrets.token_hex(6)}", display_name=name.strip()[:100],
                role=Role.applicant.value, id_number=number, phone=phone,
                password_hash=NO_PASSWORD)
    session.add(user)
    session.flush()
    audit.record(session, SYSTEM, "create_user", "user", user.id,
                 after={"username": user.username, "role": Role.applicant.value,
                        "login": False})
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
    reason = password_problem(password, username)
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


class Account(Protocol):
    """What a principal is made of: a user, or a row of the user's columns."""

    id: int
    username: str
    display_name: str
    role: str
    region_code: str | None
    department_code: str | None


def principal_of(user: Account) -> Principal:
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     role=Role(user.role), region=user.region_code,
                     department=user.department_code)


def authenticate(session: Session, username: str, password: str) -> User:
    """The user if the password is right; the same refusal for every kind of failure."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthenticated("用户名或密码不正确", code="bad_credentials")
    if user.locked_at is not None:
        raise Unauthenticated("账号已被管理员锁定，请联系管理员", code="account_locked")
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, kind: str, now: datetime | None = None,
                 policy: AccountPolicy = DEFAULT_POLICY) -> tuple[str, AuthSession]:
    """A new web session or API token; the secret is returned once and stored only hashed."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = AuthSession(token_hash=_hash(token), user_id=user.id, kind=kind,
                      csrf_token=secrets.token_urlsafe(24), created_at=now, last_seen_at=now,
                      expires_at=now + policy.lifetime(kind))
    session.add(row)
    session.flush()
    return token, row


@dataclass(frozen=True)
class Holder:
    """The session or token a secret opens (what a request needs of it, not the row)."""

    token_hash: str
    kind: str
    csrf_token: str
    last_seen_at: datetime


# a session or token and its user, in one query of the columns a request needs (built
# once: a request only binds; loading the two rows as ORM objects cost twice as much)
_S, _U = AuthSession.__table__.c, User.__table__.c
_HOLDER = select(_S.token_hash, _S.kind, _S.csrf_token, _S.last_seen_at, _S.revoked_at,
                 _S.expires_at, _U.id, _U.username, _U.display_name, _U.role, _U.region_code,
                 _U.department_code, _U.active, _U.locked_at).join_from(
    AuthSession.__table__, User.__table__, _U.id == _S.user_id).where(
    _S.token_hash == bindparam("token_hash"))


def resolve(session: Session, token: str, kind: str, now: datetime | None = None,
            policy: AccountPolicy = DEFAULT_POLICY) -> tuple[Principal, Holder]:
    """Who holds this secret; refused once it is closed, past its lifetime, or (web) idle."""
    now = now or utcnow()
    row = session.connection().execute(_HOLDER, {"token_hash": _hash(token)}).first()
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now \
            or (kind == "web" and row.last_seen_at + policy.idle <= now):
        raise Unauthenticated("登录已失效，请重新登录", code="session_expired")
    if not row.active:
        raise Unauthenticated("账号已停用", code="account_disabled")
    if row.locked_at is not None:
        raise Unauthenticated("账号已被管理员锁定", code="account_locked")
    return principal_of(row), Holder(row.token_hash, row.kind, row.csrf_token,
                                     row.last_seen_at)


def touch_session(session: Session, token_hash: str, now: datetime) -> None:
    """The session was used at `now` (its idle time starts again)."""
    session.execute(update(AuthSession).where(AuthSession.token_hash == token_hash)
                    .values(last_seen_at=now))


def close_session(session: Session, token: str, now: datetime | None = None) -> None:
    row = session.get(AuthSession, _hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()


def set_password(session: Session, user: User, password: str, now: datetime,
                 keep: str | None = None) -> None:
    """A new password under the same rules as a new user's; every other session and token of
    the user ends (`keep`: the secret of the one making the change)."""
    reason = password_problem(password, user.username)
    if reason:
        raise Invalid("新密码不符合要求：" + reason, code="weak_password",
                      problems=[FieldProblem("new_password", reason)])
    user.password_hash = hash_password(password)
    user.must_change_password = False
    close_sessions(session, user.id, now, keep=keep)
    audit.record(session, principal_of(user), "change_password", "user", user.id,
                 region=user.region_code, at=now)


def typed_twice(password: str, again: str) -> None:
    """The new password typed twice alike (the pages ask for it twice)."""
    if password != again:
        raise Invalid("两次输入的新密码不一致", code="password_mismatch",
                      problems=[FieldProblem("new_password_again", "两次输入的新密码不一致")])


def require_own_password(user: User) -> None:
    """Refuse a sign-in with a temporary password an administrator issued: the person sets
    their own first (`set_password`)."""
    if user.must_change_password:
        raise Forbidden("管理员为您设置了临时密码，请先设置新密码后再登录",
                        code="password_change_required",
                        problems=[FieldProblem("password", "请先修改临时密码")])


def close_sessions(session: Session, user_id: int, now: datetime,
                   keep: str | None = None) -> None:
    """Every open session and token of the user ends (`keep`: the secret of one to keep)."""
    kept = _hash(keep) if keep else ""
    session.execute(update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
        AuthSession.token_hash != kept).values(revoked_at=now))
    session.flush()


def list_users(session: Session, *, role: Role | None = None,
               region: str | None = None) -> list[User]:
    """Users by role, region and username (for `onething user list`)."""
    query = select(User)
    if role is not None:
        query = query.where(User.role == role.value)
    if region is not None:
        query = query.where(User.region_code == region)
    return list(session.scalars(query.order_by(User.role, User.region_code, User.username)))


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户 {username}", code="user_not_found")
    return user


# Who may record a consent: the person themselves, or any window (the person may come to
# any, with a written consent) and an admin on the person's behalf.
CONSENT_ROLES = (Role.applicant, Role.clerk, Role.admin)
# Who has consents to see: their own (the person, the proxy), their region's (the windows,
# the supervisors), all (admins); departments' approvers have none.
SEES_CONSENTS = (Role.applicant, Role.proxy, Role.clerk, Role.supervisor, Role.admin)
SELF_NOTE = "本人在线授权"


def sees_consents(actor: Principal) -> bool:
    return actor.role in SEES_CONSENTS


def grants_consents(actor: Principal) -> bool:
    return actor.role in CONSENT_ROLES


def consent_note(actor: Principal, text: str) -> str:
    """What a consent given on the pages records as its basis: the person's own grant
    online, with the matters they name; the written consent, as the window describes it
    (at least two characters, as the API asks)."""
    text = text.strip()
    if actor.role == Role.applicant:
        return f"{SELF_NOTE}：{text}" if text else SELF_NOTE
    if len(text) < 2:
        raise Invalid("请写明授权方式与依据", problems=[
            FieldProblem("note", "如：申请人书面授权委托书，已核验原件")])
    return text


def grant_consent(session: Session, actor: Principal, catalog: Catalog, *, proxy: str,
                  person: str, note: str, now: datetime | None = None) -> ProxyConsent:
    """帮代办 by usernames, as the API and the pages are asked. The actor's role is checked
    before any name is looked up, and a name nobody has is answered exactly as a name of
    the wrong kind, so that the answer never tells whether a username exists."""
    if actor.role not in CONSENT_ROLES:
        raise Forbidden("只有本人、窗口人员或管理员可以登记代办授权", code="role_not_allowed")
    if actor.role == Role.applicant and person != actor.username:
        raise Forbidden("只能为本人授权帮代办", code="not_your_consent",
                        problems=[FieldProblem("person", "应为您本人的用户名")])
    return record_consent(session, actor, catalog, proxy=_named(session, proxy, Role.proxy),
                          person=_named(session, person, Role.applicant), note=note, now=now)


_NOT_FOUND = {
    Role.proxy: ("proxy", "proxy_not_found", "没有帮代办员 {}"),
    Role.applicant: ("person", "applicant_not_found", "没有申请人 {}"),
}


def _named(session: Session, username: str, role: Role) -> User:
    """The user of that name and role; the same refusal when there is none of either."""
    user = session.scalar(select(User).where(User.username == username,
                                             User.role == role.value))
    if user is None:
        field, code, message = _NOT_FOUND[role]
        said = message.format(username)
        raise Invalid(said, code=code, problems=[FieldProblem(field, said)])
    return user


def record_consent(session: Session, actor: Principal, catalog: Catalog, *, proxy: User,
                   person: User, note: str, now: datetime | None = None) -> ProxyConsent:
    """帮代办: `person` lets `proxy` apply for them (see `grant_consent` for who records it).
    A window records consents for the proxies of its region and below only: those it may
    list and revoke."""
    if actor.role not in CONSENT_ROLES or (
            actor.role == Role.applicant and person.id != actor.user_id):
        raise Forbidden("只有本人、窗口人员或管理员可以登记代办授权", code="role_not_allowed")
    if Role(proxy.role) != Role.proxy:
        raise Invalid(f"{proxy.username} 不是帮代办员", code="not_a_proxy")
    if Role(person.role) != Role.applicant:
        raise Invalid(f"{person.username} 不是申请人，无需代办授权", code="not_an_applicant")
    if actor.role == Role.clerk and not _in_region(catalog, actor, proxy.region_code):
        said = "窗口只能为本地区及下级地区的帮代办员登记代办授权"
        raise Forbidden(said, code="out_of_scope", problems=[FieldProblem("proxy", said)])
    consent = ProxyConsent(proxy_id=proxy.id, person_id=person.id, recorded_by_id=actor.user_id,
                           note=note[:500], created_at=now or utcnow())
    session.add(consent)
    session.flush()
    audit.record(session, actor, "record_consent", "consent", consent.id,
                 region=proxy.region_code, at=consent.created_at,
                 after={"proxy": proxy.username, "person": person.username})
    return consent


def _in_region(catalog: Catalog, actor: Principal, region: str | None) -> bool:

    return (actor.region is not None and region is not None
            and region in descendants(catalog.regions, actor.region))


def has_consent(session: Session, proxy_id: int, person_id: int) -> bool:
    return session.scalar(
        select(ProxyConsent.id).where(
            ProxyConsent.proxy_id == proxy_id, ProxyConsent.person_id == person_id,
            ProxyConsent.revoked_at.is_(None)).limit(1)
    ) is not None


@dataclass(frozen=True)
class ConsentView:
    consent: ProxyConsent
    proxy: str
    person: str
    recorded_by: str


def list_consents(session: Session, actor: Principal, catalog: Catalog, *,
                  active_only: bool = False, limit: int = 100,
                  offset: int = 0) -> list[ConsentView]:
    """The consents the actor may see: their own (as person or proxy); a clerk's or
    supervisor's those of proxies in their region and below; an admin's all."""
    proxy, person, clerk = aliased(User), aliased(User), aliased(User)
    query = (select(ProxyConsent, proxy.username, person.username, clerk.username)
             .join(proxy, proxy.id == ProxyConsent.proxy_id)
             .join(person, person.id == ProxyConsent.person_id)
             .join(clerk, clerk.id == ProxyConsent.recorded_by_id)
             .where(_consent_filter(actor, catalog, proxy)))
    if active_only:
        query = query.where(ProxyConsent.revoked_at.is_(None))
    rows = session.execute(query.order_by(ProxyConsent.id.desc()).limit(limit).offset(offset))
    return [ConsentView(*row) for row in rows]


def _consent_filter(actor: Principal, catalog: Catalog,
                    proxy: type[User]) -> ColumnElement[bool]:
    # imported here: the catalog model (and CEL) is not needed by `onething user add`

    match actor.role:
        case Role.applicant:
            return ProxyConsent.person_id == actor.user_id
        case Role.proxy:
            return ProxyConsent.proxy_id == actor.user_id
        case Role.clerk | Role.supervisor if actor.region is not None:
            return proxy.region_code.in_(sorted(descendants(catalog.regions, actor.region)))
        case Role.admin:
            return true()
    raise Forbidden("无权查看代办授权", code="role_not_allowed")


def revoke_consent(session: Session, actor: Principal, consent_id: int, catalog: Catalog,
                   now: datetime | None = None) -> None:
    """The person, a clerk of the proxy's region or an admin ends a consent, at once."""
    if actor.role not in (Role.applicant, Role.clerk, Role.admin):
        raise Forbidden("只有本人、窗口人员或管理员可以撤销代办授权", code="role_not_allowed")
    proxy = aliased(User)
    consent = session.scalar(
        select(ProxyConsent).join(proxy, proxy.id == ProxyConsent.proxy_id)
        .where(ProxyConsent.id == consent_id, _consent_filter(actor, catalog, proxy))
        .with_for_update(of=ProxyConsent))
    if consent is None:
        raise NotFound("没有该代办授权，或您无权查看", code="consent_not_found")
    if consent.revoked_at is None:
        consent.revoked_at = now or utcnow()
        session.flush()
        audit.record(session, actor, "revoke_consent", "consent", consent.id,
                     region=session.get_one(User, consent.proxy_id).region_code,
                     at=consent.revoked_at)


def consent_side(actor: Principal) -> str:
    """Whose consents a page of them shows: the person's own (`person`), those letting a
    proxy apply (`proxy`), or a region's register kept by the offices (`office`)."""
    if actor.role == Role.applicant:
        return "person"
    return "proxy" if actor.role == Role.proxy else "office"
