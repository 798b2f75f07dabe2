"""What a 帮代办 request is and who may do what with it. Pure."""

from __future__ import annotations

from enum import StrEnum

from onething.kernel.principal import Principal, Role


class HelpKind(StrEnum):
    help = "help"  # 帮代办: someone who cannot apply alone asks for help
    stuck = "stuck"  # 办不成事: a case that got stuck, reported to the 办不成事 window


class HelpMode(StrEnum):
    home_visit = "home_visit"  # 上门帮办: staff come to the person's home
    remote = "remote"  # 远程帮办: by telephone or video


class HelpReason(StrEnum):
    elderly = "elderly"
    disabled = "disabled"
    other = "other"


class HelpStatus(StrEnum):
    requested = "requested"  # waiting for the window to take it up
    taken = "taken"  # a clerk helps
    done = "done"
    cancelled = "cancelled"  # withdrawn by whoever asked


KIND_NAMES = {HelpKind.help: "帮代办", HelpKind.stuck: "办不成事反映"}
MODE_NAMES = {HelpMode.home_visit: "上门帮办", HelpMode.remote: "远程帮办（电话、视频）"}
REASON_NAMES = {HelpReason.elderly: "老年人", HelpReason.disabled: "残疾人",
                HelpReason.other: "其他办事困难"}
STATUS_NAMES = {HelpStatus.requested: "待接单", HelpStatus.taken: "帮办中",
                HelpStatus.done: "已办结", HelpStatus.cancelled: "已撤销"}
OPEN = frozenset({HelpStatus.requested, HelpStatus.taken})
# working days within which the region's window takes a request up (the platform's own
# promise, shown to the person asking; no national rule sets it)
RESPONSE_DAYS = 2


def asks_for_help(actor: Principal) -> bool:
    """Who asks for 帮代办: a person for themselves, or a proxy for someone."""
    return actor.role in (Role.applicant, Role.proxy)


def helps(actor: Principal) -> bool:
    """Who takes requests up: the window's clerks (of the region, in scope)."""
    return actor.role == Role.clerk


def watches(actor: Principal) -> bool:
    """Who sees the queue of a region: its clerks, supervisors and administrators."""
    return actor.role in (Role.clerk, Role.supervisor, Role.admin)


def may_take(actor: Principal, status: HelpStatus) -> bool:
    return helps(actor) and status == HelpStatus.requested


def may_finish(actor: Principal, status: HelpStatus, helper_id: int | None) -> bool:
    return helps(actor) and status == HelpStatus.taken and helper_id == actor.user_id


def may_follow_up(actor: Principal, status: HelpStatus, helper_id: int | None) -> bool:
    """The clerk who took a request up records each step until it is done (跟踪督办)."""
    return may_finish(actor, status, helper_id)


def may_cancel(actor: Principal, status: HelpStatus, requester_id: int) -> bool:
    return status in OPEN and actor.user_id == requester_id


def actions(actor: Principal, status: HelpStatus, requester_id: int,
            helper_id: int | None) -> list[str]:
    """What the actor may do on a request now (its page's buttons, the API's `actions`)."""
    found = []
    if may_take(actor, status):
        found.append("take")
    if may_finish(actor, status, helper_id):
        found.append("finish")
    if may_follow_up(actor, status, helper_id):
        found.append("follow_up")
    if may_cancel(actor, status, requester_id):
        found.append("cancel")
    return found
