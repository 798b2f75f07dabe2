"""The state machines of applications and tasks, as explicit tables (docs/ARCHITECTURE.md). Pure.

A transition is (current state, action) → next state, with the roles that may take it.
Scope (whose application, which department and region) is checked by the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from onething.kernel.errors import Conflict, Forbidden
from onething.kernel.principal import Role


class AppStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    accepted_with_deficiency = "accepted_with_deficiency"
    returned = "returned"
    refused = "refused"
    in_progress = "in_progress"
    completed = "completed"
    partly_denied = "partly_denied"
    denied = "denied"
    delivered = "delivered"
    withdrawn = "withdrawn"
    terminated = "terminated"  # 容缺: the supplement period passed without the materials


class TaskStatus(StrEnum):
    waiting = "waiting"  # its stage not reached
    pending = "pending"
    suspended = "suspended"  # special procedure: the clock stops
    approved = "approved"
    denied = "denied"
    cancelled = "cancelled"  # an earlier stage was denied, or the application withdrawn


APP_STATUS_NAMES = {
    AppStatus.submitted: "已提交，待受理", AppStatus.accepted: "已受理",
    AppStatus.accepted_with_deficiency: "容缺受理", AppStatus.returned: "已退回补正",
    AppStatus.refused: "不予受理", AppStatus.in_progress: "办理中",
    AppStatus.completed: "已办结", AppStatus.partly_denied: "部分不予批准",
    AppStatus.denied: "不予批准", AppStatus.delivered: "已送达",
    AppStatus.withdrawn: "已撤回", AppStatus.terminated: "已终止（逾期未补齐容缺材料）",
}

TASK_STATUS_NAMES = {
    TaskStatus.waiting: "等待前序阶段", TaskStatus.pending: "办理中",
    TaskStatus.suspended: "特别程序中（暂停计时）", TaskStatus.approved: "准予许可/办结",
    TaskStatus.denied: "不予批准", TaskStatus.cancelled: "已终止",
}

DECIDED = frozenset({TaskStatus.approved, TaskStatus.denied, TaskStatus.cancelled})
FINISHED = frozenset({AppStatus.completed, AppStatus.partly_denied, AppStatus.denied})


@dataclass(frozen=True)
class Transition:
    to: StrEnum
    roles: frozenset[Role]


_WINDOW = frozenset({Role.clerk})
_APPLICANT = frozenset({Role.applicant, Role.proxy, Role.clerk})
_DEPARTMENT = frozenset({Role.approver})
_SYSTEM: frozenset[Role] = frozenset()  # moves only the platform makes (`system=True`)

A, T = AppStatus, TaskStatus

APPLICATION: dict[tuple[AppStatus, str], Transition] = {
    (A.submitted, "accept"): Transition(A.accepted, _WINDOW),
    (A.submitted, "accept_with_deficiency"): Transition(A.accepted_with_deficiency, _WINDOW),
    (A.submitted, "return"): Transition(A.returned, _WINDOW),
    (A.submitted, "refuse"): Transition(A.refused, _WINDOW),
    (A.returned, "resubmit"): Transition(A.submitted, _APPLICANT),
    (A.submitted, "withdraw"): Transition(A.withdrawn, _APPLICANT),
    (A.returned, "withdraw"): Transition(A.withdrawn, _APPLICANT),
    (A.accepted, "withdraw"): Transition(A.withdrawn, _APPLICANT),
    (A.accepted_with_deficiency, "withdraw"): Transition(A.withdrawn, _APPLICANT),
    (A.accepted, "start"): Transition(A.in_progress, _SYSTEM),
    (A.accepted_with_deficiency, "start"): Transition(A.in_progress, _SYSTEM),
    **{(s, "complete"): Transition(A.completed, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, "complete_partly_denied"): Transition(A.partly_denied, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, "complete_denied"): Transition(A.denied, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, "deliver"): Transition(A.delivered, frozenset({Role.clerk, Role.applicant}))
       for s in FINISHED},
    # 容缺: a missed supplement period ends the case, whatever its tasks had reached
    **{(s, "terminate"): Transition(A.terminated, _SYSTEM)
       for s in (A.accepted_with_deficiency, A.in_progress, *FINISHED)},
}

TASK: dict[tuple[TaskStatus, str], Transition] = {
    (T.waiting, "open"): Transition(T.pending, _SYSTEM),
    (T.pending, "approve"): Transition(T.approved, _DEPARTMENT),
    (T.pending, "deny"): Transition(T.denied, _DEPARTMENT),
    (T.pending, "suspend"): Transition(T.suspended, _DEPARTMENT),
    (T.suspended, "resume"): Transition(T.pending, _DEPARTMENT),
    (T.waiting, "cancel"): Transition(T.cancelled, _SYSTEM),
    (T.pending, "cancel"): Transition(T.cancelled, _SYSTEM),
    (T.suspended, "cancel"): Transition(T.cancelled, _SYSTEM),
}

ACTION_NAMES = {
    "submit": "提交申请", "accept": "受理", "accept_with_deficiency": "容缺受理",
    "return": "退回（一次性告知）", "refuse": "不予受理", "resubmit": "补正后重新提交",
    "withdraw": "撤回申请", "start": "开始办理", "complete": "全部办结",
    "complete_partly_denied": "办结（部分不予批准）", "complete_denied": "办结（不予批准）",
    "deliver": "送达", "supplement": "补齐容缺材料", "supplement_missed": "逾期未补齐容缺材料",
    "open": "进入办理", "approve": "准予", "deny": "不予批准", "suspend": "启动特别程序",
    "resume": "恢复办理", "cancel": "终止", "issue_licence": "签发电子证照",
    "rate": "评价", "check_commitment": "告知承诺核查", "revoke_licence": "撤销电子证照",
    "fill_form": "办结信息填入申请表",
    "terminate": "终止办理（逾期未补齐容缺材料）",
}


def next_application_status(current: str, action: str, role: Role,
                            system: bool = False) -> AppStatus:
    """`system`: a move the platform makes itself (start, complete …), never a person's."""
    return AppStatus(_step(APPLICATION, AppStatus(current), action, role, APP_STATUS_NAMES,
                           system))


def next_task_status(current: str, action: str, role: Role,
                     system: bool = False) -> TaskStatus:
    return TaskStatus(_step(TASK, TaskStatus(current), action, role, TASK_STATUS_NAMES,
                            system))


def _step(table: Mapping[tuple[Any, str], Transition], current: StrEnum, action: str,
          role: Role, names: Mapping[Any, str], system: bool) -> StrEnum:
    transition = table.get((current, action))
    if transition is None:
        raise Conflict(f"当前状态“{names[current]}”下不能{ACTION_NAMES.get(action, action)}",
                       code="illegal_transition")
    if (transition.roles == _SYSTEM) != system:
        raise Conflict(f"不能直接{ACTION_NAMES.get(action, action)}", code="illegal_transition")
    if not system and role not in transition.roles:
        raise Forbidden(f"您的角色不能{ACTION_NAMES.get(action, action)}",
                        code="role_not_allowed")
    return transition.to
