"""What a principal may do next on an application or a task, in the state it is in.

The moves come from the state machines (`cases.states`: the role may take the move from the
current status), each within the scope its service checks (`cases.access`: the receiving
window, the applicant's side, the deciding office), less those the case's own facts settle
whatever is sent (容缺 materials outstanding, a 即办件 …); then the steps that move no status
(补齐容缺材料, 查看完整个人信息) and those the domains above cases offer on a case (评价,
打印评价回执: `offers`).

A listed action is one its service takes, given a valid request: it may still refuse what is
sent (422), or what changed elsewhere since the case was submitted (a bad-credit record, a
licence revoked: 409). An action not listed, it refuses (403 or 409). The API gives the
list as `actions` on an application and each of its tasks; the case page draws its forms
from `on_page`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from onething.cases import access
from onething.cases.models import Application, Task
from onething.cases.states import (
    APPLICATION,
    TASK,
    AcceptanceDecision,
    Action,
    AppStatus,
    TaskStatus,
    moves,
)
from onething.catalog.context import Ctx
from onething.kernel.principal import Role

# the window's decisions on a submitted application (受理决定), as the page groups them
WINDOW_DECISIONS = frozenset(Action(d.value) for d in AcceptanceDecision)
# the applicant's steps, which the receiving window may also take for the person before it
APPLICANT_STEPS = frozenset({Action.resubmit, Action.withdraw, Action.supplement})

# what the domains above cases add: (ctx, application, its tasks) → their steps on it
Offer = Callable[[Ctx, Application, Sequence[Task]], Iterable[Action]]
_offers: list[Offer] = []


def offers(offer: Offer) -> Offer:
    """Register the steps a domain above cases offers on a case (ratings: 评价 …); called
    from its `handlers.py` when the domains are wired (`onething.wiring.load()`)."""
    if offer not in _offers:
        _offers.append(offer)
    return offer


# --- the case's own facts --------------------------------------------------------------


def deferred(app: Application) -> list[str]:
    """The names of the materials 容缺 left to bring after acceptance."""
    return [m["name"] for m in app.materials if m.get("provided") == "deferred"]


def deficiency_allowed(app: Application) -> bool:
    """容缺 needs a supplement period, which may not exceed the promised limit: a 即办件
    (promised 0 working days) has none."""
    return app.promised_days > 0


def awaiting_supplement(app: Application) -> bool:
    """容缺: accepted with materials missing, not brought yet; the results are held."""
    return app.deficient and app.supplemented_at is None


def supplement_period_over(app: Application, today: dt.date) -> bool:
    """容缺: the case ended, or its supplement period passed, without the materials."""
    return app.status == AppStatus.terminated or (
        awaiting_supplement(app) and app.supplement_due is not None
        and today > app.supplement_due)


def may_supplement(app: Application, today: dt.date) -> bool:
    """The missing materials can still be brought: within the period, the case not ended."""
    return (awaiting_supplement(app) and not supplement_period_over(app, today)
            and app.status not in (AppStatus.withdrawn, AppStatus.refused))


def _settled(app: Application, tasks: Sequence[Task], move: Action) -> bool:
    """Whether the case's facts refuse `move` whatever is sent."""
    match move:
        case Action.accept:
            return bool(deferred(app))  # only 容缺受理 or a return
        case Action.accept_with_deficiency:
            return not deferred(app) or not deficiency_allowed(app)
        case Action.withdraw:  # an office has decided
            return any(t.status in (TaskStatus.approved, TaskStatus.denied) for t in tasks)
        case Action.deliver:
            return awaiting_supplement(app)  # the results are held
    return False


def _in_scope(role: Role, move: Action, receives: bool, for_applicant: bool) -> bool:
    """Whether the actor's scope reaches the application for `move` (its role may take it):
    `receives`, whether they are its receiving window; `for_applicant`, whether they take
    the applicant's steps on it."""
    if move in WINDOW_DECISIONS:
        return receives
    if move in APPLICANT_STEPS:
        return for_applicant
    if move == Action.deliver:  # the window hands over; the applicant confirms 电子送达
        return for_applicant if role == Role.applicant else receives
    return False


# --- what may be done ------------------------------------------------------------------


def of_application(ctx: Ctx, app: Application, tasks: Sequence[Task]) -> list[Action]:
    """What the actor may do on `app` (which they see) now, with its `tasks`."""
    role = ctx.actor.role
    receives, for_applicant = access.receives(ctx, app), access.for_applicant(ctx, app)
    found = [move for move in moves(APPLICATION, app.status, role)
             if _in_scope(role, move, receives, for_applicant)
             and not _settled(app, tasks, move)]
    if may_supplement(app, ctx.today) and for_applicant:
        found.append(Action.supplement)
    if access.may_reveal_personal_data(ctx, app, tasks):
        found.append(Action.reveal_personal_data)
    for offer in _offers:
        found += [step for step in offer(ctx, app, tasks) if step not in found]
    return found


def of_task(ctx: Ctx, task: Task) -> list[Action]:
    """What the actor may decide on `task` now: its own office's moves."""
    if not access.decides(ctx.actor, task):
        return []
    return moves(TASK, TaskStatus(task.status), ctx.actor.role)


def on_page(ctx: Ctx, app: Application, found: Sequence[Action]) -> list[Action]:
    """What the case page offers of `found` (`of_application`): each side its own steps.
    The window's page leaves the applicant's steps to the applicant's side (the window takes
    them for the person before it through the API, or the resubmission form), and keeps its
    delivery form while the results are held (the refusal says why); the applicant's page
    leaves delivery to the window (their 电子送达 confirmation is the API's)."""
    role = ctx.actor.role
    if role == Role.clerk:
        offered = [a for a in found if a not in APPLICANT_STEPS]
        if (awaiting_supplement(app) and Action.deliver not in offered
                and Action.deliver in moves(APPLICATION, app.status, role)
                and access.receives(ctx, app)):
            offered.append(Action.deliver)
        return offered
    if role == Role.applicant:
        return [a for a in found if a != Action.deliver]
    return list(found)
