"""A policy match's way to payment, as a table (pure).

    matched → confirmed (the holder gives the account and accepts the amount; only where the
    policy asks for a confirmation) → in_publicity (公示, where the policy has one, for its
    working days) → approved (the policy's department) → paid (in a payout batch)

A policy without a confirmation or a 公示 skips those steps (a 免申即享 allowance goes from
matched straight to approval), one with them may not skip them. Side exits: an objection
upheld during 公示 rejects the match; `stopped` marks a holder who was matched for the
period before and no longer qualifies (a row of its own for the new period, never paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MatchStatus(StrEnum):
    matched = "matched"  # 已比对符合
    confirmed = "confirmed"  # 已确认账户和金额
    in_publicity = "in_publicity"  # 公示中
    approved = "approved"  # 部门已审核，待发放
    paid = "paid"  # 已发放
    rejected = "rejected"  # 公示异议成立，不予发放
    stopped = "stopped"  # 不再符合，停发


class Move(StrEnum):
    confirm = "confirm"  # the holder (or the company's legal representative)
    publicize = "publicize"  # the platform, at once after the confirmation
    approve = "approve"  # the policy's department
    uphold = "uphold"  # the department, deciding an objection made during 公示
    pay = "pay"  # the department, making a payout batch


STATUS_NAMES = {
    MatchStatus.matched: "待确认", MatchStatus.confirmed: "已确认",
    MatchStatus.in_publicity: "公示中", MatchStatus.approved: "已审核，待发放",
    MatchStatus.paid: "已发放", MatchStatus.rejected: "不予发放",
    MatchStatus.stopped: "已停发",
}

TRANSITIONS: dict[tuple[MatchStatus, Move], MatchStatus] = {
    (MatchStatus.matched, Move.confirm): MatchStatus.confirmed,
    (MatchStatus.confirmed, Move.publicize): MatchStatus.in_publicity,
    (MatchStatus.matched, Move.approve): MatchStatus.approved,
    (MatchStatus.confirmed, Move.approve): MatchStatus.approved,
    (MatchStatus.in_publicity, Move.approve): MatchStatus.approved,
    (MatchStatus.in_publicity, Move.uphold): MatchStatus.rejected,
    (MatchStatus.approved, Move.pay): MatchStatus.paid,
}

# where a match stands when a move is asked of it that its state does not allow
_STATE_REFUSALS = {
    MatchStatus.paid: "该待遇已发放",
    MatchStatus.rejected: "该待遇经公示异议成立，不予发放",
    MatchStatus.stopped: "该待遇已停发",
    MatchStatus.approved: "该待遇已审核，等待发放",
}


@dataclass(frozen=True)
class Steps:
    """The steps a policy asks for before approval."""

    confirm: bool
    publicity: bool


def next_status(status: MatchStatus, move: Move, steps: Steps) -> MatchStatus | None:
    """Where `move` takes a match in `status` of a policy with `steps`, or None when it may
    not be taken."""
    return TRANSITIONS.get((status, move)) if refusal(status, move, steps) is None else None


def refusal(status: MatchStatus, move: Move, steps: Steps) -> str | None:
    """Why `move` may not be taken (in Chinese), or None when it may."""
    if move == Move.confirm and not steps.confirm:
        return "该政策无需确认，将直接发放"
    if move == Move.publicize and not steps.publicity:
        return "该政策无需公示"
    if move == Move.approve and status == MatchStatus.matched and steps.confirm:
        return "对象尚未确认收款账户和金额，不能审核"
    if move == Move.approve and status in (MatchStatus.matched, MatchStatus.confirmed) \
            and steps.publicity:
        return "该待遇尚未公示，不能审核"
    if move == Move.uphold and status != MatchStatus.in_publicity:
        return "公示已结束，不能再处理异议" if status in _STATE_REFUSALS else "该待遇不在公示中"
    if move == Move.pay and status != MatchStatus.approved:
        return _STATE_REFUSALS.get(status, "该待遇尚未审核，不能发放")
    if (status, move) in TRANSITIONS:
        return None
    if move == Move.confirm and status in (MatchStatus.confirmed, MatchStatus.in_publicity):
        return "已确认过收款账户和金额"
    return _STATE_REFUSALS.get(status, "当前状态下不能进行此操作")


def after_confirmation(steps: Steps) -> MatchStatus:
    """Where a confirmed match stands once the platform has taken its own step."""
    return MatchStatus.in_publicity if steps.publicity else MatchStatus.confirmed


def pending(status: MatchStatus) -> bool:
    """Whether the match is still on its way (neither paid nor ended)."""
    return status in (MatchStatus.matched, MatchStatus.confirmed, MatchStatus.in_publicity,
                      MatchStatus.approved)
