"""The state machines of applications and tasks, as explicit tables (docs/ARCHITECTURE.md),
and the words a case is kept in: its statuses, the actions taken on it, its channels,
delivery methods and decisions, each an enum stored as its string. Pure.

A transition is (current state, action) → next state, with the roles that may take it.
Scope (whose application, which department and region) is checked by the service, and
`cases.actions` says which of these moves a principal may take now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

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
    forwarded = "forwarded"  # 跨省通办: sent to a partner platform, decided there


class TaskStatus(StrEnum):
    waiting = "waiting"  # its stage not reached
    pending = "pending"
    suspended = "suspended"  # special procedure: the clock stops
    approved = "approved"
    denied = "denied"
    cancelled = "cancelled"  # an earlier stage was denied, or the application withdrawn


class ProcedureStatus(StrEnum):
    """A special procedure (特别程序) of a task: running until the task resumes or ends."""

    running = "running"
    ended = "ended"


class Action(StrEnum):
    """Every step on a case: the moves of the state machines, the steps that change no
    status (补齐, 评价 …), and those of the domains above cases kept on its timeline."""

    # the application
    submit = "submit"
    accept = "accept"
    accept_with_deficiency = "accept_with_deficiency"
    return_ = "return"
    refuse = "refuse"
    resubmit = "resubmit"
    withdraw = "withdraw"
    start = "start"
    complete = "complete"
    complete_partly_denied = "complete_partly_denied"
    complete_denied = "complete_denied"
    deliver = "deliver"
    supplement = "supplement"
    supplement_missed = "supplement_missed"
    terminate = "terminate"
    # its tasks
    open = "open"
    approve = "approve"
    deny = "deny"
    suspend = "suspend"
    resume = "resume"
    cancel = "cancel"
    fill_form = "fill_form"
    # 秒批: the platform decided the task on its item's automatic rule, or sent it to people
    auto_approve = "auto_approve"
    auto_referred = "auto_referred"
    # 信用修复: the application completed, the applicant's 失信 records were repaired
    repair_credit = "repair_credit"
    # the domains above cases (licences, ratings, commitments)
    issue_licence = "issue_licence"
    revoke_licence = "revoke_licence"
    rate = "rate"
    print_rating_code = "print_rating_code"
    check_commitment = "check_commitment"
    # staff reading the personal values in full (audited, not on the timeline)
    reveal_personal_data = "reveal_personal_data"
    # 跨省通办 (the exchange between platforms)
    forward = "forward"  # the window sends a submitted application to a partner platform
    receive = "receive"  # a partner's window checked it: accepted here on that check
    partner_receipt = "partner_receipt"  # the partner received what was forwarded
    partner_result = "partner_result"  # the partner's result on what was forwarded
    result_sent = "result_sent"  # the result of a received case, sent back to its partner
    partner_failed = "partner_failed"  # a package to the partner refused, or never taken


class AcceptanceDecision(StrEnum):
    """What the window decides on a submitted application (受理决定)."""

    accept = Action.accept.value
    accept_with_deficiency = Action.accept_with_deficiency.value
    return_ = Action.return_.value
    refuse = Action.refuse.value


class TaskDecision(StrEnum):
    """What the competent office decides on its task (部门决定)."""

    approve = Action.approve.value
    deny = Action.deny.value
    suspend = Action.suspend.value
    resume = Action.resume.value


class Channel(StrEnum):
    """How an application came in."""

    web = "web"
    mobile = "mobile"
    window = "window"
    kiosk = "kiosk"  # 自助终端: stands in the hall, where the window takes its submissions
    api = "api"
    partner = "partner"  # 跨省通办: received by a partner platform's window (异地代收)


# Submitted online (网上申请): counted by the 网办率, and watched until the window accepts
# them (the profile's pre-acceptance check). The window's own entries are decided on the
# spot, and a kiosk stands in the hall, where the window takes its submissions.
ONLINE_CHANNELS = (Channel.web, Channel.mobile, Channel.api)


class DeliveryMethod(StrEnum):
    """How the results are handed over (统一出件)."""

    window = "window"
    post = "post"
    electronic = "electronic"


APP_STATUS_NAMES = {
    AppStatus.submitted: "已提交，待受理", AppStatus.accepted: "已受理",
    AppStatus.accepted_with_deficiency: "容缺受理", AppStatus.returned: "已退回补正",
    AppStatus.refused: "不予受理", AppStatus.in_progress: "办理中",
    AppStatus.completed: "已办结", AppStatus.partly_denied: "部分不予批准",
    AppStatus.denied: "不予批准", AppStatus.delivered: "已送达",
    AppStatus.withdrawn: "已撤回", AppStatus.terminated: "已终止（逾期未补齐容缺材料）",
    AppStatus.forwarded: "已转外省（市）办理",
}

TASK_STATUS_NAMES = {
    TaskStatus.waiting: "等待前序阶段", TaskStatus.pending: "办理中",
    TaskStatus.suspended: "特别程序中（暂停计时）", TaskStatus.approved: "准予许可/办结",
    TaskStatus.denied: "不予批准", TaskStatus.cancelled: "已终止",
}

DECIDED = frozenset({TaskStatus.approved, TaskStatus.denied, TaskStatus.cancelled})
OPEN_TASK = (TaskStatus.pending, TaskStatus.suspended)  # an office is deciding (its inbox)
FINISHED = frozenset({AppStatus.completed, AppStatus.partly_denied, AppStatus.denied})
# the results exist: every task decided and at least one approved (or handed over since)
RESULTS_ISSUED = frozenset({AppStatus.completed, AppStatus.partly_denied, AppStatus.delivered})

S = TypeVar("S", AppStatus, TaskStatus)


@dataclass(frozen=True)
class Transition(Generic[S]):
    to: S
    roles: frozenset[Role]


_WINDOW = frozenset({Role.clerk})
_APPLICANT = frozenset({Role.applicant, Role.proxy, Role.clerk})
_DEPARTMENT = frozenset({Role.approver})
_SYSTEM: frozenset[Role] = frozenset()  # moves only the platform makes (`system=True`)

A, T, X = AppStatus, TaskStatus, Action

APPLICATION: dict[tuple[AppStatus, Action], Transition[AppStatus]] = {
    (A.submitted, X.accept): Transition(A.accepted, _WINDOW),
    (A.submitted, X.accept_with_deficiency): Transition(A.accepted_with_deficiency, _WINDOW),
    (A.submitted, X.return_): Transition(A.returned, _WINDOW),
    (A.submitted, X.refuse): Transition(A.refused, _WINDOW),
    # 跨省通办: the window forwards it to a partner platform (offered by `exchange`), or
    # the platform accepts a case on the check of a partner's window
    (A.submitted, X.forward): Transition(A.forwarded, _WINDOW),
    (A.submitted, X.receive): Transition(A.accepted, _SYSTEM),
    (A.returned, X.resubmit): Transition(A.submitted, _APPLICANT),
    (A.submitted, X.withdraw): Transition(A.withdrawn, _APPLICANT),
    (A.returned, X.withdraw): Transition(A.withdrawn, _APPLICANT),
    (A.accepted, X.withdraw): Transition(A.withdrawn, _APPLICANT),
    (A.accepted_with_deficiency, X.withdraw): Transition(A.withdrawn, _APPLICANT),
    (A.accepted, X.start): Transition(A.in_progress, _SYSTEM),
    (A.accepted_with_deficiency, X.start): Transition(A.in_progress, _SYSTEM),
    **{(s, X.complete): Transition(A.completed, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, X.complete_partly_denied): Transition(A.partly_denied, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, X.complete_denied): Transition(A.denied, _SYSTEM)
       for s in (A.accepted, A.accepted_with_deficiency, A.in_progress)},
    **{(s, X.deliver): Transition(A.delivered, frozenset({Role.clerk, Role.applicant}))
       for s in FINISHED},
    # 容缺: a missed supplement period ends the case, whatever its tasks had reached
    **{(s, X.terminate): Transition(A.terminated, _SYSTEM)
       for s in (A.accepted_with_deficiency, A.in_progress, *FINISHED)},
}

TASK: dict[tuple[TaskStatus, Action], Transition[TaskStatus]] = {
    (T.waiting, X.open): Transition(T.pending, _SYSTEM),
    (T.pending, X.approve): Transition(T.approved, _DEPARTMENT),
    (T.pending, X.auto_approve): Transition(T.approved, _SYSTEM),  # 秒批
    (T.pending, X.deny): Transition(T.denied, _DEPARTMENT),
    (T.pending, X.suspend): Transition(T.suspended, _DEPARTMENT),
    (T.suspended, X.resume): Transition(T.pending, _DEPARTMENT),
    (T.waiting, X.cancel): Transition(T.cancelled, _SYSTEM),
    (T.pending, X.cancel): Transition(T.cancelled, _SYSTEM),
    (T.suspended, X.cancel): Transition(T.cancelled, _SYSTEM),
}

ACTION_NAMES: dict[str, str] = {  # by Action (a str): any step's code may be looked up
    X.submit: "提交申请", X.accept: "受理", X.accept_with_deficiency: "容缺受理",
    X.return_: "退回（一次性告知）", X.refuse: "不予受理", X.resubmit: "补正后重新提交",
    X.withdraw: "撤回申请", X.start: "开始办理", X.complete: "全部办结",
    X.complete_partly_denied: "办结（部分不予批准）", X.complete_denied: "办结（不予批准）",
    X.deliver: "送达", X.supplement: "补齐容缺材料", X.supplement_missed: "逾期未补齐容缺材料",
    X.open: "进入办理", X.approve: "准予", X.deny: "不予批准", X.suspend: "启动特别程序",
    X.resume: "恢复办理", X.cancel: "终止", X.issue_licence: "签发电子证照",
    X.rate: "评价", X.check_commitment: "告知承诺核查", X.revoke_licence: "撤销电子证照",
    X.fill_form: "办结信息填入申请表",
    X.auto_approve: "秒批（系统自动准予）", X.auto_referred: "不符合秒批条件，转人工办理",
    X.repair_credit: "信用修复：失信记录已修复",
    X.terminate: "终止办理（逾期未补齐容缺材料）",
    X.print_rating_code: "打印评价回执", X.reveal_personal_data: "查看完整个人信息",
    X.forward: "转外省（市）办理", X.receive: "异地代收受理（依对方窗口审核）",
    X.partner_receipt: "对方平台已接收", X.partner_result: "对方平台办理结果",
    X.result_sent: "办理结果已发回对方平台", X.partner_failed: "向对方平台发送失败",
}

# the steps the platform takes itself (the person whose step set them off did not): the
# moves of the tables no role may take, and the supplement period's end
PLATFORM_STEPS = frozenset({
    *(action for (_, action), t in APPLICATION.items() if t.roles == _SYSTEM),
    *(action for (_, action), u in TASK.items() if u.roles == _SYSTEM), X.supplement_missed,
    X.auto_referred, X.repair_credit})


def results_issued(status: str) -> bool:
    """Whether the case's results exist (what an earlier stage produces is there)."""
    return status in RESULTS_ISSUED


def by_platform(action: str) -> bool:
    """Whether a step on the timeline is one the platform took itself."""
    return action in PLATFORM_STEPS


def next_application_status(current: str, action: str, role: Role,
                            system: bool = False) -> AppStatus:
    """`system`: a move the platform makes itself (start, complete …), never a person's."""
    return _step(APPLICATION, AppStatus(current), action, role, APP_STATUS_NAMES, system)


def next_task_status(current: str, action: str, role: Role,
                     system: bool = False) -> TaskStatus:
    return _step(TASK, TaskStatus(current), action, role, TASK_STATUS_NAMES, system)


def moves(table: Mapping[tuple[S, Action], Transition[S]], current: str,
          role: Role) -> list[Action]:
    """The moves `role` may take from `current` (not the platform's own), in table order."""
    return [action for (state, action), t in table.items()
            if state == current and t.roles != _SYSTEM and role in t.roles]


def _step(table: Mapping[tuple[S, Action], Transition[S]], current: S, action: str,
          role: Role, names: Mapping[S, str], system: bool) -> S:
    name = ACTION_NAMES.get(action, action)
    move = Action(action) if action in _CODES else None
    transition = table.get((current, move)) if move is not None else None
    if transition is None:
        raise Conflict(f"当前状态“{names[current]}”下不能{name}", code="illegal_transition")
    if (transition.roles == _SYSTEM) != system:
        raise Conflict(f"不能直接{name}", code="illegal_transition")
    if not system and role not in transition.roles:
        raise Forbidden(f"您的角色不能{name}", code="role_not_allowed")
    return transition.to


_CODES = frozenset(a.value for a in Action)
