"""The staff directory (工作人员名录): an administrator adds, edits, locks, unlocks and ends
the accounts of the staff of their region and below, one by one or from a CSV file. Users
are made by `service.create_user` (its checks and password hashing); every change is in the
audit trail under the administrator's name. Services flush; callers commit. The rules are
`directory`'s."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.audit.models import AuditRecord
from onething.identity import directory as rules
from onething.identity.directory import StaffRow
from onething.identity.models import User
from onething.identity.service import (
    close_sessions,
    create_user,
    hash_password,
    password_problem,
)
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.kernel.regions import descendants

if TYPE_CHECKING:
    from onething.catalog.linked import Catalog


def state_of(user: User) -> str:
    """active | locked | ended (`directory.STATE_NAMES`)."""
    if not user.active:
        return "ended"
    return "locked" if user.locked_at is not None else "active"


def facts(user: User) -> dict[str, str | None]:
    """What a row of the directory sets on an account, as it is now."""
    return {"display_name": user.display_name, "role": user.role, "region": user.region_code,
            "department": user.department_code, "phone": user.phone, "email": user.email}


def _require_admin(actor: Principal) -> None:
    if not rules.manages_staff(actor):
        raise Forbidden("只有管理员可以管理工作人员账号", code="role_not_allowed")


def _refused(problems: list[tuple[str, str]]) -> Invalid:
    return Invalid("工作人员信息有误：" + "；".join(reason for _, reason in problems),
                   problems=[FieldProblem(name, reason) for name, reason in problems])


def new_password() -> str:
    """A password shown once to the administrator, meeting the password rules, without the
    characters read one for another (0 O, 1 l I)."""
    alphabet = [c for c in string.ascii_letters + string.digits if c not in "0O1lI"]
    while True:
        text = "".join(secrets.choice(alphabet) for _ in range(10)) + "#" + secrets.choice(
            "23456789")
        if password_problem(text) is None:
            return text


def list_staff(session: Session, actor: Principal, catalog: Catalog, *,
               role: str | None = None, region: str | None = None, state: str | None = None,
               text: str | None = None, limit: int = 200, offset: int = 0) -> list[User]:
    """The staff of the actor's region and below, by region, role and username; filtered by
    role, region (and below), state, and a username or name containing `text`."""
    query = _staff_query(actor, catalog, role, region, text)
    if state in STATE_FILTERS:
        query = query.where(*STATE_FILTERS[state])
    return list(session.scalars(query.order_by(User.region_code, User.role, User.username)
                                .limit(limit).offset(offset)))


def count_staff(session: Session, actor: Principal, catalog: Catalog, *,
                role: str | None = None, region: str | None = None,
                text: str | None = None) -> dict[str, int]:
    """How many of the staff `list_staff` finds are in each state (active, locked, ended)."""
    locked = User.locked_at.is_not(None)
    rows = session.execute(_staff_query(actor, catalog, role, region, text)
                           .with_only_columns(User.active, locked, func.count())
                           .group_by(User.active, locked))
    counts = dict.fromkeys(rules.STATE_NAMES, 0)
    for active, is_locked, n in rows:
        counts["ended" if not active else "locked" if is_locked else "active"] += n
    return counts


STATE_FILTERS = {"ended": (User.active.is_(False),),
                 "locked": (User.active.is_(True), User.locked_at.is_not(None)),
                 "active": (User.active.is_(True), User.locked_at.is_(None))}


def _staff_query(actor: Principal, catalog: Catalog, role: str | None, region: str | None,
                 text: str | None) -> Select[User]:
    _require_admin(actor)
    query = select(User).where(User.role.in_(list(rules.STAFF_ROLE_NAMES)))
    scope = region if region and rules.in_scope(catalog.regions, actor, region) else (
        actor.region)
    top = catalog.regions.get(scope or "")
    if top is not None and top.parent is not None:  # below the top of the tree: a part of it
        query = query.where(User.region_code.in_(sorted(descendants(catalog.regions, top.code))))
    if role:
        query = query.where(User.role == role)
    if text:
        query = query.where(or_(func.lower(User.username).like(f"%{text.strip().lower()}%"),
                                User.display_name.like(f"%{text.strip()}%")))
    return query


def get_staff(session: Session, actor: Principal, catalog: Catalog, user_id: int) -> User:
    """A staff account in the actor's scope; one outside it is answered as one that does not
    exist."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None or not rules.is_staff(user.role) or not rules.in_scope(
            catalog.regions, actor, user.region_code):
        raise NotFound("没有该工作人员，或不在您的管理范围内", code="staff_not_found")
    return user


def add_staff(session: Session, actor: Principal, catalog: Catalog, row: StaffRow,
              now: datetime, password: str | None = None) -> tuple[User, str | None]:
    """A new staff account; without a password one is made and returned (shown once)."""
    _require_admin(actor)
    row = rules.normalized(row)
    problems = rules.row_problems(row, catalog.regions, catalog.departments, actor)
    if session.scalar(select(User.id).where(User.username == row.username)) is not None:
        problems.insert(0, ("username", f"用户名 {row.username} 已存在"))
    if problems:
        raise _refused(problems)
    made = None if password else new_password()
    user = create_user(session, username=row.username, password=password or made or "",
                       role=Role(row.role), display_name=row.display_name, region=row.region,
                       department=row.department, phone=row.phone, email=row.email,
                       actor=actor, at=now)
    return user, made


def edit_staff(session: Session, actor: Principal, catalog: Catalog, user_id: int,
               row: StaffRow, now: datetime) -> dict[str, tuple[str | None, str | None]]:
    """Changes an account's name, role, scope and contacts; what changed (nothing: no
    record). The new role and scope hold from the account's next request."""
    user = get_staff(session, actor, catalog, user_id)
    _not_ended(user)
    row = rules.normalized(replace(row, username=user.username))
    problems = rules.row_problems(row, catalog.regions, catalog.departments, actor)
    mine = rules.self_problem(actor, user.id, row.role, row.region)
    if mine:
        problems.append(("role", mine))
    if problems:
        raise _refused(problems)
    return _apply(session, actor, user, row, now)


def _apply(session: Session, actor: Principal, user: User, row: StaffRow,
           now: datetime) -> dict[str, tuple[str | None, str | None]]:
    changed = rules.changes(facts(user), row)
    if not changed:
        return changed
    user.display_name, user.role = row.display_name, row.role
    user.region_code, user.department_code = row.region, row.department
    user.phone, user.email = row.phone, row.email
    session.flush()
    audit.record(session, actor, "edit_staff", "user", user.id, region=user.region_code, at=now,
                 before={k: v[0] for k, v in changed.items()},
                 after={k: v[1] for k, v in changed.items()})
    return changed


def _not_ended(user: User) -> None:
    if not user.active:
        raise Conflict("该账号已停用，不能再办理", code="account_ended")


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < 2:
        raise Invalid("请写明原因", code="reason_required",
                      problems=[FieldProblem("reason", "请写明原因（至少 2 个字）")])
    return text[:200]


def _not_self(actor: Principal, user: User, doing: str) -> None:
    if actor.user_id == user.id:
        raise Forbidden(f"不能{doing}自己的账号，请由其他管理员办理", code="own_account")


def lock_staff(session: Session, actor: Principal, catalog: Catalog, user_id: int,
               reason: str | None, now: datetime) -> User:
    """An administrator's lock: no sign-in until unlocked, every session and token ends."""
    user = get_staff(session, actor, catalog, user_id)
    _not_self(actor, user, "锁定")
    said = _reason(reason)
    _not_ended(user)
    if user.locked_at is not None:
        raise Conflict("该账号已锁定", code="already_locked")
    user.locked_at, user.lock_reason = now, said
    close_sessions(session, user.id, now)
    audit.record(session, actor, "lock_staff", "user", user.id, region=user.region_code, at=now,
                 after={"reason": said})
    return user


def unlock_staff(session: Session, actor: Principal, catalog: Catalog, user_id: int,
                 now: datetime) -> User:
    user = get_staff(session, actor, catalog, user_id)
    _not_ended(user)
    if user.locked_at is None:
        raise Conflict("该账号未被锁定", code="not_locked")
    before = {"reason": user.lock_reason}
    user.locked_at, user.lock_reason = None, None
    session.flush()
    audit.record(session, actor, "unlock_staff", "user", user.id, region=user.region_code,
                 at=now, before=before)
    return user


def end_staff(session: Session, actor: Principal, catalog: Catalog, user_id: int,
              reason: str | None, now: datetime) -> User:
    """The account ends (调离、离职): no sign-in, its sessions and tokens closed; it stays, so
    that what it did keeps its name in the records and the audit trail."""
    user = get_staff(session, actor, catalog, user_id)
    _not_self(actor, user, "停用")
    said = _reason(reason)
    _not_ended(user)
    user.active, user.ended_at = False, now
    close_sessions(session, user.id, now)
    audit.record(session, actor, "end_staff", "user", user.id, region=user.region_code, at=now,
                 after={"reason": said})
    return user


def issue_temporary_password(session: Session, actor: Principal, catalog: Catalog,
                             user_id: int, reason: str | None,
                             now: datetime) -> tuple[User, str]:
    """A temporary password for a staff member who forgot theirs (shown once to the
    administrator), with the reason (how the person was identified): it must be changed at
    the next sign-in; every session and token of the account ends."""
    user = get_staff(session, actor, catalog, user_id)
    _not_self(actor, user, "重置")
    said = _reason(reason)
    _not_ended(user)
    password = new_password()
    user.password_hash, user.must_change_password = hash_password(password), True
    close_sessions(session, user.id, now)
    audit.record(session, actor, "reset_staff_password", "user", user.id,
                 region=user.region_code, at=now,
                 after={"reason": said, "must_change_password": True})
    return user, password


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    action: str  # in words
    actor: str  # the username of whoever did it
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def history(session: Session, actor: Principal, catalog: Catalog, user_id: int,
            limit: int = 100) -> list[HistoryLine]:
    """Who created, changed, locked, unlocked, ended the account or reset its password,
    and when: its audit records, the last committed first."""
    user = get_staff(session, actor, catalog, user_id)
    rows = session.scalars(select(AuditRecord).where(
        AuditRecord.subject == "user", AuditRecord.subject_id == str(user.id),
        AuditRecord.action.in_(list(rules.HISTORY_ACTIONS)))
        .order_by(AuditRecord.id.desc()).limit(limit))
    return [HistoryLine(r.at, rules.HISTORY_ACTIONS[r.action], r.actor, r.before, r.after)
            for r in rows]


# --- the CSV import ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    line: int
    username: str
    outcome: str  # added | changed | unchanged
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    password: str | None = None  # a new account's, shown once


OUTCOME_NAMES = {"added": "新增", "changed": "修改", "unchanged": "无变化"}


@dataclass(frozen=True)
class ImportReport:
    lines: list[ImportLine]

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def summary(self) -> str:
        if not self.count("added") and not self.count("changed"):
            return f"共 {len(self.lines)} 行，全部与现有账号一致，没有任何变化"
        return (f"共 {len(self.lines)} 行：新增 {self.count('added')} 个，修改 "
                f"{self.count('changed')} 个，无变化 {self.count('unchanged')} 个")


def import_staff(session: Session, actor: Principal, catalog: Catalog, data: bytes,
                 now: datetime) -> ImportReport:
    """A staff file, all or nothing: every bad row is refused as `第 N 行：字段：原因` and
    nothing is written; otherwise each row adds an account, changes one of the actor's
    scope, or finds it as it says (a second import of the same file changes nothing)."""
    _require_admin(actor)
    text = rules.decode(data) if len(data) <= rules.MAX_BYTES else None
    if text is None:
        said = ("文件不能超过 1 MB，请分批导入" if len(data) > rules.MAX_BYTES
                else "无法读取文件：请上传以 UTF-8 或 GBK 编码保存的 CSV 文件")
        raise Invalid(said, code="bad_staff_file", problems=[FieldProblem("file", said)])
    rows, problems = rules.read_csv(text)
    rows = [rules.normalized(row) for row in rows]
    found = _existing(session, [row.username for row in rows])
    seen: dict[str, int] = {}
    for row in rows:
        problems += [f"第 {row.line} 行：{rules.FIELD_NAMES[name]}：{reason}"
                     for name, reason in _file_row_problems(row, actor, catalog, found, seen)]
        seen.setdefault(row.username, row.line)
    if not rows and not problems:
        problems.append("文件中没有工作人员（第 1 行为列名，第 2 行起每行一个账号）")
    if problems:
        raise Invalid(f"导入文件有 {len(problems)} 处错误，未导入任何账号",
                      code="bad_staff_file",
                      problems=[FieldProblem("file", said) for said in problems])
    report = ImportReport([_import_row(session, actor, catalog, row, found.get(row.username),
                                       now) for row in rows])
    audit.record(session, actor, "import_staff", "user", None, region=actor.region, at=now,
                 after={"added": report.count("added"), "changed": report.count("changed"),
                        "unchanged": report.count("unchanged")})
    return report


def _existing(session: Session, usernames: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(usernames), 500):
        chunk = usernames[start:start + 500]
        found |= {u.username: u for u in session.scalars(select(User).where(
            User.username.in_(chunk)))}
    return found


def _file_row_problems(row: StaffRow, actor: Principal, catalog: Catalog,
                       found: dict[str, User], seen: dict[str, int]) -> list[tuple[str, str]]:
    problems = rules.row_problems(row, catalog.regions, catalog.departments, actor)
    if row.username in seen:
        problems.append(("username", f"{row.username} 与第 {seen[row.username]} 行重复"))
    user = found.get(row.username)
    if user is None:
        return problems
    if not rules.is_staff(user.role) or not rules.in_scope(catalog.regions, actor,
                                                           user.region_code):
        problems.append(("username", f"{row.username} 已被不在您管理范围内的账号使用"))
    elif not user.active:
        problems.append(("username", f"{row.username} 的账号已停用，不能通过导入修改"))
    else:
        mine = rules.self_problem(actor, user.id, row.role, row.region)
        if mine:
            problems.append(("role", mine))
    return problems


def _import_row(session: Session, actor: Principal, catalog: Catalog, row: StaffRow,
                user: User | None, now: datetime) -> ImportLine:
    if user is None:
        made, password = add_staff(session, actor, catalog, row, now)
        return ImportLine(row.line, made.username, "added", password=password)
    changed = _apply(session, actor, user, row, now)
    return ImportLine(row.line, user.username, "changed" if changed else "unchanged", changed)


def view(user: User) -> dict[str, Any]:
    """An account as the directory shows it (its state in words)."""
    return {"user": user, "state": state_of(user), "state_name": rules.STATE_NAMES[
        state_of(user)], "role_name": rules.STAFF_ROLE_NAMES.get(user.role, user.role)}
