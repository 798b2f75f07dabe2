"""The staff directory's rules (工作人员名录), without a database: who an administrator may
manage and which roles they may grant, what a staff CSV says, and what a row changes. Pure.

An administrator manages the staff of their own region and every region below it (the
province's, 430000, all of them; a city's, that city and its counties). Citizens
(applicants, proxies) are not staff and are not in the directory; the platform's own
principal (`system`) is granted to nobody.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from onething.kernel.principal import ROLE_NAMES, Principal, Role
from onething.kernel.regions import Node, within

STAFF_ROLES = (Role.clerk, Role.approver, Role.supervisor, Role.operator, Role.admin)
STAFF_ROLE_NAMES = {role.value: ROLE_NAMES[role] for role in STAFF_ROLES}

# an account's state in the directory, and its Chinese name
STATE_NAMES = {"active": "在用", "locked": "已锁定", "ended": "已停用"}

# what the account's history (its audit records) shows of each change, in words
HISTORY_ACTIONS = {"create_user": "创建账号", "edit_staff": "修改信息", "lock_staff": "锁定",
                   "unlock_staff": "解除锁定", "end_staff": "停用",
                   "reset_staff_password": "设置临时密码", "change_password": "修改密码",
                   "recover_password": "通过验证码找回密码"}

MAX_ROWS = 2000  # rows of one CSV file
MAX_BYTES = 1_000_000  # the size of one


def manages_staff(actor: Principal) -> bool:
    """Whether the actor runs a staff directory at all (administrators)."""
    return actor.role == Role.admin


def in_scope(regions: Mapping[str, Node], actor: Principal, region: str | None) -> bool:
    """Whether `region` is the administrator's region or below it (an administrator bound to
    no region, as the platform's first one may be, manages every region)."""
    if not manages_staff(actor) or region is None:
        return False
    return actor.region is None or within(regions, region, actor.region)


def is_staff(role: str) -> bool:
    return role in STAFF_ROLE_NAMES


def grant_problem(regions: Mapping[str, Node], actor: Principal, role: str,
                  region: str | None) -> tuple[str, str] | None:
    """Why the actor may not give an account this role in this region, as (field, reason);
    None if they may."""
    if not is_staff(role):
        return "role", "只能授予工作人员角色：" + "、".join(STAFF_ROLE_NAMES.values())
    if region is None:
        return "region", "工作人员必须指定所属行政区划"
    if region not in regions:
        return "region", f"行政区划 {region} 不存在"
    if not in_scope(regions, actor, region):
        return "region", "只能管理本地区及下级地区的工作人员"
    return None


def self_problem(actor: Principal, user_id: int, role: str, region: str | None) -> str | None:
    """An administrator does not lock, end, demote or move themselves (they would lose the
    directory they are using); another administrator of their scope does it."""
    if actor.user_id != user_id:
        return None
    if role != actor.role.value or region != actor.region:
        return "不能更改自己的角色或所属地区，请由其他管理员办理"
    return None


# --- the staff CSV ---------------------------------------------------------------------

# the columns a staff file has: its English name, and the Chinese one a header may use
COLUMNS = {"username": "用户名", "display_name": "姓名", "role": "角色", "region": "行政区划",
           "department": "部门", "phone": "手机号", "email": "电子邮箱"}
REQUIRED = ("username", "display_name", "role", "region")
_HEADER_NAMES = {**{c: c for c in COLUMNS}, **{v: k for k, v in COLUMNS.items()},
                 "邮箱": "email", "手机": "phone", "区划": "region", "区划代码": "region",
                 "部门代码": "department"}


@dataclass(frozen=True)
class StaffRow:
    """One account as a CSV row (or a form) describes it; empty cells are None."""

    username: str
    display_name: str
    role: str
    region: str | None = None
    department: str | None = None
    phone: str | None = None
    email: str | None = None
    line: int = 0  # its line in the file (the header is line 1)


# the fields a row sets on an account (all but its username and line)
SETS = tuple(f.name for f in fields(StaffRow) if f.name not in ("username", "line"))


def role_of(text: str) -> str:
    """A role as written in a file or form: its code (clerk) or Chinese name (综合窗口人员)."""
    text = text.strip()
    names = {name: code for code, name in STAFF_ROLE_NAMES.items()}
    return names.get(text, text.lower())


def decode(data: bytes) -> str | None:
    """A file's text: UTF-8 (with or without a BOM), or GB18030 as spreadsheets in Chinese
    save CSV; None when it is neither (or binary)."""
    if b"\0" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_csv(text: str) -> tuple[list[StaffRow], list[str]]:
    """The rows of a staff file, and what is wrong with its shape (`第 N 行：…`). The first
    line names the columns (English or Chinese, any order); a UTF-8 BOM is allowed."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [f"第 1 行：无法读取（{exc}）"]
    if header is None or not any(cell.strip() for cell in header):
        return [], ["文件为空：第 1 行应为列名，如 " + ",".join(COLUMNS)]
    names = [_HEADER_NAMES.get(cell.strip().lower(), _HEADER_NAMES.get(cell.strip()))
             for cell in header]
    unknown = [cell for cell, name in zip(header, names, strict=True) if name is None]
    missing = [COLUMNS[c] for c in REQUIRED if c not in names]
    if unknown or missing:
        said = (["不认识的列：" + "、".join(unknown)] if unknown else []) + (
            ["缺少列：" + "、".join(missing)] if missing else [])
        return [], ["第 1 行：" + "；".join(said)]
    rows: list[StaffRow] = []
    problems: list[str] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                problems.append(f"第 {line} 行：应有 {len(names)} 列，实有 {len(cells)} 列")
                continue
            values = {name: (cell.strip() or None) for name, cell in zip(names, cells,
                                                                          strict=True) if name}
            rows.append(StaffRow(username=values.get("username") or "",
                                 display_name=values.get("display_name") or "",
                                 role=role_of(values.get("role") or ""),
                                 region=values.get("region"),
                                 department=values.get("department"),
                                 phone=values.get("phone"), email=values.get("email"),
                                 line=line))
            if len(rows) > MAX_ROWS:
                return [], [f"一次最多导入 {MAX_ROWS} 行，请分批导入"]
    except csv.Error as exc:
        problems.append(f"第 {reader.line_num} 行：无法读取（{exc}）")
    return rows, problems


def row_problems(row: StaffRow, regions: Mapping[str, Node], departments: Mapping[str, object],
                 actor: Principal) -> list[tuple[str, str]]:
    """What is wrong with one account's description, as (field, reason): the username's
    shape, a missing name, the role and region out of the actor's reach, an unknown
    department (an approver needs one), a malformed phone or email."""
    found: list[tuple[str, str]] = []
    name = row.username
    if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").replace(
            ".", "").isalnum() or not name.isascii():
        found.append(("username", "用户名只能包含字母、数字、下划线、点和连字符"))
    if not row.display_name:
        found.append(("display_name", "请填写姓名"))
    elif len(row.display_name) > 100:
        found.append(("display_name", "姓名不能超过 100 个字"))
    refused = grant_problem(regions, actor, row.role, row.region)
    if refused:
        found.append(refused)
    if row.department is not None and row.department not in departments:
        found.append(("department", f"部门 {row.department} 不存在"))
    elif row.role == Role.approver.value and row.department is None:
        found.append(("department", "审批人员必须指定所属部门"))
    if row.phone is not None and not (row.phone.replace("-", "").isdigit()
                                      and 5 <= len(row.phone) <= 20 and row.phone.isascii()):
        found.append(("phone", "电话号码只能包含数字和连字符，5 至 20 位"))
    if row.email is not None and (len(row.email) > 200 or "@" not in row.email.strip("@")):
        found.append(("email", "电子邮箱格式不正确"))
    return found


def normalized(row: StaffRow) -> StaffRow:
    """A row as it is kept: a department only for approvers (others have none)."""
    return row if row.role == Role.approver.value else replace(row, department=None)


def changes(current: Mapping[str, str | None], row: StaffRow) -> dict[str, tuple[str | None,
                                                                              str | None]]:
    """What the row changes of an account as it is now: field → (before, after)."""
    return {name: (current.get(name), getattr(row, name)) for name in SETS
            if current.get(name) != getattr(row, name)}


FIELD_NAMES = {**COLUMNS, "password": "初始密码", "reason": "原因"}
