"""Roles and the principal every service call is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    applicant = "applicant"  # 申请人（个人或企业）
    proxy = "proxy"  # 帮代办员
    clerk = "clerk"  # 综合窗口人员
    approver = "approver"  # 部门审批人员
    supervisor = "supervisor"  # 效能监察人员
    operator = "operator"  # 12345 热线话务员（热线中心）
    admin = "admin"  # 事项管理员 / 系统管理员
    system = "system"  # the platform itself: sweeps and automatic steps, never a person


ROLE_NAMES = {
    Role.applicant: "申请人", Role.proxy: "帮代办员", Role.clerk: "综合窗口人员",
    Role.approver: "部门审批人员", Role.supervisor: "效能监察人员", Role.operator: "热线话务员",
    Role.admin: "管理员",
    Role.system: "系统",
}

# the roles a person's account can have (the platform's own principal is none of them)
PERSON_ROLES = tuple(role for role in Role if role is not Role.system)

STAFF = frozenset({Role.clerk, Role.approver, Role.supervisor, Role.operator, Role.admin,
                   Role.system})


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user, their role and the scope the role is bound to."""

    user_id: int
    username: str
    display_name: str
    role: Role
    region: str | None = None
    department: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


# The platform itself, for scheduled work and automatic steps (deadline sweeps, catalog
# loads, completing a case): distinct from an administrator, and events name no person.
SYSTEM = Principal(user_id=0, username="system", display_name="系统", role=Role.system)
