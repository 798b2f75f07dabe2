"""好差评 and 差评整改. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.cases import access
from onething.cases.models import Application, Task
from onething.cases.routing import descendants, office_name, window_name
from onething.cases.states import AppStatus, TaskStatus
from onething.cases.timeline import record
from onething.catalog.context import Ctx
from onething.identity import offices
from onething.kernel import bus, links
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.outbox.models import Notification
from onething.ratings.models import Rating, Rectification

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
GOOD, BAD = frozenset({5, 4, 3}), frozenset({2, 1})
INDICATORS = {
    "online": {"efficiency": "办事效率", "guide_accuracy": "办事指南精确度",
               "convenience": "办事便捷度", "usability": "平台操作性"},
    "window": {"service_efficiency": "服务效率", "service_level": "服务水平",
               "attitude": "服务态度"},
}
WINDOW, DEPARTMENT = "window", "department"
TARGET_INDICATORS = {WINDOW: "window", DEPARTMENT: "online"}  # which indicators rate whom
DECIDED = (TaskStatus.approved.value, TaskStatus.denied.value)
# a task that ended without a decision (an earlier stage denied, the case ended)
CLOSED = (*DECIDED, TaskStatus.cancelled.value)
# the window has acted on the case: accepted it (whatever came after), returned or refused it
WINDOW_ACTED = frozenset({AppStatus.returned, AppStatus.refused})
RATABLE, WAITING, RATED = "ratable", "waiting", "rated"


@dataclass
class RatingInput:
    level: int
    indicators: dict[str, int]
    comment: str | None = None
    department: str | None = None  # the deciding department rated (target "department")
    target: str | None = None  # window | department: what the rating is about


@dataclass(frozen=True)
class Target:
    """A service of a case the applicant rates once (国办发〔2019〕51号: one rating per service
    per case): the receiving window, or a deciding department. `state`: ratable now, waiting
    (the window has not acted, the department not decided all its tasks), or rated."""

    kind: str  # window | department
    department: str | None
    region: str
    name: str
    state: str = RATABLE

    @property
    def service(self) -> str:
        return service_key(self.kind, self.department)


def service_key(kind: str, department: str | None) -> str:
    """How a rating names the service it rates (unique per case): see Rating.service."""
    return WINDOW if kind == WINDOW else f"{DEPARTMENT}:{department or ''}"


def services(ctx: Ctx, app: Application, tasks: Sequence[Task] | None = None
             ) -> list[Target]:
    """Every service of the case that is or will be ratable: the receiving window, then each
    department with a task (those that decided first, in the order of their decisions). A
    department is ratable once it has decided and none of its tasks is still open; one whose
    tasks all ended undecided (the case withdrawn or ended) is not listed."""
    rated = set(ctx.session.scalars(select(Rating.service).where(
        Rating.application_id == app.id)))
    found = [_window(ctx, app, rated)] if _window_state(app) else []
    if tasks is None:  # those the caller has read already, else read here
        tasks = list(ctx.session.scalars(select(Task).where(Task.application_id == app.id)))
    by_department: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=_decision_order):
        by_department.setdefault(task.department_code, []).append(task)
    for code, own in by_department.items():
        decided = [t for t in own if t.status in DECIDED]
        still_open = any(t.status not in CLOSED for t in own)
        if not decided and not still_open:
            continue
        state = (RATED if service_key(DEPARTMENT, code) in rated
                 else WAITING if still_open or not decided else RATABLE)
        region = (decided or own)[0].region_code
        found.append(Target(DEPARTMENT, code, region, office_name(ctx.catalog, region, code),
                            state))
    return found


def _decision_order(task: Task) -> tuple[bool, dt.datetime, int]:
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    return task.decided_at is None, task.decided_at or never, task.id


def _window_state(app: Application) -> str | None:
    status = AppStatus(app.status)
    if app.accepted_at is not None or status in WINDOW_ACTED:
        return RATABLE
    return None if status == AppStatus.withdrawn else WAITING  # withdrawn before any step


def _window(ctx: Ctx, app: Application, rated: set[str]) -> Target:
    state = RATED if WINDOW in rated else _window_state(app) or WAITING
    return Target(WINDOW, None, app.region_code, window_name(ctx.catalog, app.region_code),
                  state)


def targets(ctx: Ctx, app: Application) -> list[Target]:
    """What the applicant may rate now: the services ratable and not rated yet."""
    return [t for t in services(ctx, app) if t.state == RATABLE]


def all_rated(found: list[Target]) -> bool:
    """Nothing left to rate, now or later (a receipt's code is then used up)."""
    return all(t.state == RATED for t in found)


def rates(ctx: Ctx, app: Application) -> bool:
    """Whether the actor may rate services of the case, once one has begun: the applicant
    in their own account (never staff in the applicant's name, nor a proxy)."""
    return (ctx.actor.role != Role.clerk and ctx.actor.user_id == app.applicant_id
            and _window_state(app) == RATABLE)


def rate(ctx: Ctx, application_id: int, given: RatingInput, *,
         rectification_days: int) -> Rating:
    """The applicant rates in their own account. Staff never rate in the applicant's name:
    at the window the applicant rates on their own phone with the receipt's code."""
    app = access.visible_application(ctx, application_id)
    if ctx.actor.role == Role.clerk:
        raise Forbidden("工作人员不能代申请人评价；请打印评价回执，由申请人用自己的手机扫码评价",
                        code="staff_cannot_rate")
    if ctx.actor.user_id != app.applicant_id:
        raise Forbidden("只有申请人本人可以评价", code="not_applicant")
    return rate_as_applicant(ctx, app, given, "online", rectification_days)


def rate_as_applicant(ctx: Ctx, app: Application, given: RatingInput, channel: str,
                      rectification_days: int) -> Rating:
    """One rating per service of the case (ctx.actor is the applicant)."""
    if _window_state(app) != RATABLE:  # no service has begun: nothing to rate yet
        raise Conflict("办件尚未受理，暂不能评价；受理后可评价窗口，各部门办结后可评价该部门",
                       code="not_finished")
    rated = _check(ctx, app, given)
    if rated.state == RATED:
        raise _already(rated)
    if rated.state == WAITING:
        raise Conflict(_not_yet(rated), code="not_finished")
    rating = Rating(application_id=app.id, applicant_id=app.applicant_id, level=given.level,
                    channel=channel, target=rated.kind, indicators=given.indicators,
                    comment=(given.comment or "").strip()[:2000] or None,
                    department_code=rated.department, service=rated.service,
                    region_code=rated.region, taken_by_id=None, created_at=ctx.now)
    ctx.session.add(rating)
    try:
        with ctx.session.begin_nested():
            ctx.session.flush()
    except IntegrityError as exc:  # the same rating, sent twice at the same moment
        raise _already(rated) from exc
    record(ctx, app, "rate", reason=f"{rated.name}：{LEVELS[given.level]}",
           data={"level": given.level, "channel": channel, "target": rated.kind,
                 "department": rated.department})
    if given.level in BAD:
        _open_rectification(ctx, app, rating, rated, rectification_days)
    return rating


def _already(rated: Target) -> Conflict:
    return Conflict(f"您已评价过{rated.name}，每项服务只能评价一次，评价不可修改",
                    code="already_rated", problems=[FieldProblem(
                        "department" if rated.kind == DEPARTMENT else "target", "已评价")])


def _not_yet(rated: Target) -> str:
    if rated.kind == WINDOW:
        return f"{rated.name}尚未受理本办件，受理（或退回、不予受理）后才能评价窗口"
    return f"{rated.name}的审批尚未办结，办结后才能评价该部门"


def _check(ctx: Ctx, app: Application, given: RatingInput) -> Target:
    problems: list[FieldProblem] = []
    if given.level not in LEVELS:
        problems.append(FieldProblem("level", "评价等级应为 1（非常不满意）至 5（非常满意）"))
    rated = _target(ctx, app, given, problems)
    allowed = INDICATORS[TARGET_INDICATORS.get(given.target or "", "online")]
    for name, value in given.indicators.items():
        if name not in allowed:
            whom = "窗口" if given.target == WINDOW else "部门"
            problems.append(FieldProblem(f"indicators.{name}", f"评价{whom}的指标应为："
                                         f"{'、'.join(allowed.values())}"))
        elif value not in LEVELS:
            problems.append(FieldProblem(f"indicators.{name}", "指标评分应为 1 至 5"))
    if given.level in BAD and not (given.comment or "").strip():
        problems.append(FieldProblem("comment", "差评请写明原因，便于核实整改"))
    if problems or rated is None:
        raise Invalid("评价内容有误", problems=problems)
    return rated


def _target(ctx: Ctx, app: Application, given: RatingInput,
            problems: list[FieldProblem]) -> Target | None:
    found = services(ctx, app)
    if given.target == WINDOW:
        window = next((t for t in found if t.kind == WINDOW), None)
        if window is None:
            problems.append(FieldProblem("target", "窗口未受理即撤回的办件，没有可评价的窗口服务"))
        return window
    if given.target != DEPARTMENT:
        problems.append(FieldProblem("target", "请选择评价对象：受理的综合窗口，或作出决定的部门"))
        return None
    departments = [t for t in found if t.kind == DEPARTMENT]
    for target in departments:
        if target.department == given.department:
            return target
    names = "、".join(t.name for t in departments) or "（尚无部门作出决定）"
    problems.append(FieldProblem("department", f"应为办理本件并作出决定的部门之一：{names}"))
    return None


def _open_rectification(ctx: Ctx, app: Application, rating: Rating, rated: Target,
                        days: int) -> None:
    """The bad rating's 整改 goes to the office rated: the department, or the window; its
    due date is watched (supervision's cards, where the card profile says so)."""
    due = ctx.calendar.add(ctx.today, days).date
    rect = Rectification(rating_id=rating.id, application_id=app.id, target=rated.kind,
                         department_code=rated.department, region_code=rated.region,
                         status="verifying", due_on=due, steps=[], created_at=ctx.now)
    ctx.session.add(rect)
    ctx.session.flush()
    watch = rectification_watch(rect, app.number, ctx.today)
    bus.publish(ctx, watch)
    for recipient in offices.answering(ctx.session, ctx.catalog.regions, watch.region,
                                       watch.department, window=watch.window):
        ctx.session.add(Notification(
            recipient_id=recipient, created_at=ctx.now,
            subject=f"【差评待整改】办件 {app.number}",
            body=f"申请人对{rated.name}（办件 {app.number}）给出“{LEVELS[rating.level]}”评价："
                 f"{rating.comment}。请于 {due} 前完成回访核实、整改和跟踪回访；"
                 "差评是否属实由效能监察人员认定。"))
    bus.publish(ctx, links.BadRatingRecorded(  # the hotline opens its complaint ticket
        rating.id, rect.id, app.id, app.number, app.applicant_id, rated.kind, rated.department,
        rated.region, rating.level, LEVELS[rating.level], rated.name, rating.comment or ""))


def rectification_watch(rect: Rectification, number: str, opened_on: dt.date
                        ) -> WatchStarted:
    """A rectification as the office rated answers for it (its notices and its cards): the
    department's approvers, or for a window rating the window's clerks; and the supervisors
    above."""
    return WatchStarted("rectification", rect.id, opened_on, rect.due_on,
                        f"差评整改（办件 {number}）", rect.region_code,
                        rect.department_code if rect.target == DEPARTMENT else None,
                        window=rect.target == WINDOW, application_id=rect.application_id)


# --- rectification -------------------------------------------------------------------

# status → action → next status ("decide" branches on whether the rating was justified)
STEPS: dict[str, dict[str, str]] = {
    "verifying": {"verify": "deciding"},
    "deciding": {"decide": "rectifying"},
    "rectifying": {"rectify": "following_up"},
    "following_up": {"follow_up": "closed"},
}
STEP_NAMES = {"verify": "回访核实", "decide": "认定", "rectify": "整改", "follow_up": "跟踪回访",
              "review": "监察复核", "ticket": "12345 工单"}
TARGET_NAMES = {WINDOW: "综合窗口", DEPARTMENT: "审批部门"}
STATUS_NAMES = {"verifying": "待回访核实", "deciding": "待认定", "rectifying": "整改中",
                "following_up": "待跟踪回访", "closed": "已办结"}


OFFICE_STEPS = frozenset({"verify", "rectify", "follow_up"})  # the office rated


def advance(ctx: Ctx, rectification_id: int, action: str, text: str,
            justified: bool | None = None) -> Rectification:
    """The office rated verifies, rectifies and follows up; whether the bad rating is
    justified (认定) is decided by a supervisor in scope, never by the office rated."""
    rect = ctx.session.get(Rectification, rectification_id)
    if rect is None or not sees(ctx, rect):
        raise NotFound("没有该整改记录，或您无权查看", code="rectification_not_found")
    text = (text or "").strip()
    if not text:
        raise Invalid("请填写办理情况", problems=[FieldProblem("text", "不能为空")])
    if action == "review":
        return _review(ctx, rect, text)
    if action == "decide":
        _require_supervisor(ctx, rect)
    elif not _is_office(ctx, rect):
        raise Forbidden("回访核实、整改和跟踪回访由被评价的单位办理", code="out_of_scope")
    target = STEPS.get(rect.status, {}).get(action)
    if target is None:
        raise Conflict(f"当前为“{STATUS_NAMES[rect.status]}”，不能{STEP_NAMES.get(action, action)}",
                       code="illegal_transition")
    if action == "decide":
        if justified is None:
            raise Invalid("请认定差评是否属实", problems=[FieldProblem("justified", "必填")])
        rect.justified = justified
        rect.response = text
        target = "rectifying" if justified else "following_up"
    elif action == "rectify":
        rect.response = f"{rect.response or ''}\n整改措施：{text}".strip()
    rect.steps = [*rect.steps, {"action": action, "text": text, "by": ctx.actor.display_name,
                                "at": ctx.now.isoformat()}]
    audit.record(ctx.session, ctx.actor, f"rectification_{action}", "rectification", rect.id,
                 region=rect.region_code, at=ctx.now, before={"status": rect.status},
                 after={"status": target, "text": text})
    rect.status = target
    if target == "closed":
        rect.closed_at, rect.on_time = ctx.now, ctx.today <= rect.due_on
        bus.publish(ctx, WatchEnded("rectification", rect.id, rect.due_on))
    ctx.session.flush()
    return rect


def rectification_steps(ctx: Ctx, rect: Rectification) -> list[str]:
    """The steps the actor takes on `rect` now, as its page offers them: the office rated its
    next step (回访核实, 整改, 跟踪回访); a supervisor in scope the 认定 when it is due; a
    supervisor or an admin the 监察复核, but not while the 认定 is due."""
    step = next(iter(STEPS.get(rect.status, {})), None)
    found = []
    if step in OFFICE_STEPS and _is_office(ctx, rect):
        found.append(step)
    if step == "decide" and ctx.actor.role == Role.supervisor and access.within_scope(
            ctx, rect.region_code):
        found.append(step)
    if step != "decide" and ctx.actor.role in (Role.supervisor, Role.admin):
        found.append("review")
    return found


def awaits_decision(ctx: Ctx, rect: Rectification) -> bool:
    """The office rated has verified; the 认定 is a supervisor's to make."""
    return "decide" in STEPS.get(rect.status, {}) and _is_office(ctx, rect)


def _is_office(ctx: Ctx, rect: Rectification) -> bool:
    """The office rated: the department's approvers there, or the receiving window."""
    a = ctx.actor
    if rect.target == WINDOW:
        return a.role == Role.clerk and access.within_scope(ctx, rect.region_code)
    return (a.role, a.department, a.region) == (Role.approver, rect.department_code,
                                                rect.region_code)


def _require_supervisor(ctx: Ctx, rect: Rectification) -> None:
    if ctx.actor.role != Role.supervisor or not access.within_scope(ctx, rect.region_code):
        raise Forbidden("差评是否属实由效能监察人员认定，被评价的单位不能自行认定",
                        code="not_own_judge")


def _review(ctx: Ctx, rect: Rectification, text: str) -> Rectification:
    if ctx.actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有效能监察人员可以复核", code="role_not_allowed")
    rect.review = text
    rect.steps = [*rect.steps, {"action": "review", "text": text, "by": ctx.actor.display_name,
                                "at": ctx.now.isoformat()}]
    ctx.session.flush()
    return rect


def sees(ctx: Ctx, rect: Rectification) -> bool:
    a = ctx.actor
    if a.role in (Role.approver, Role.clerk):
        return _is_office(ctx, rect)
    if a.role == Role.supervisor:
        return access.within_scope(ctx, rect.region_code)
    return a.role == Role.admin


def sees_rectifications(actor: Principal) -> bool:
    """Who has rectifications to see (`rectifications` draws each one's scope): the offices
    rated (windows, departments' approvers), the supervisors and admins."""
    return actor.role in (Role.clerk, Role.approver, Role.supervisor, Role.admin)


def rectifications(ctx: Ctx, status: str | None = None) -> list[Rectification]:
    """The rectifications the actor may see (scope in the query, before the limit)."""
    query = select(Rectification).order_by(Rectification.due_on, Rectification.id)
    a = ctx.actor
    if a.role == Role.approver:
        query = query.where(Rectification.target == DEPARTMENT,
                            Rectification.department_code == a.department,
                            Rectification.region_code == a.region)
    elif a.role in (Role.clerk, Role.supervisor):
        query = query.where(Rectification.region_code.in_(
            sorted(descendants(ctx.catalog, a.region or ""))))
        if a.role == Role.clerk:
            query = query.where(Rectification.target == WINDOW)
    elif a.role != Role.admin:
        return []
    if status:
        query = query.where(Rectification.status == status)
    return list(ctx.session.scalars(query.limit(500)))


def rating_of(ctx: Ctx, application_id: int) -> tuple[Rating | None, Rectification | None]:
    """The case's first rating and its rectification (see `ratings_of` for all)."""
    found = ratings_of(ctx, application_id)
    return found[0] if found else (None, None)


def ratings_of(ctx: Ctx, application_id: int) -> list[tuple[Rating, Rectification | None]]:
    """The case's ratings, first first, each with its rectification (if it was bad)."""
    app = access.visible_application(ctx, application_id)
    return [(rating, rect) for rating, rect in ctx.session.execute(
        select(Rating, Rectification).outerjoin(Rectification,
                                                Rectification.rating_id == Rating.id)
        .where(Rating.application_id == app.id).order_by(Rating.created_at, Rating.id))]


# --- invitations -------------------------------------------------------------------------


def invite_to_rate(sessions: sessionmaker[Session], now: dt.datetime, days: int) -> int:
    """Invite, once, each applicant `days` days after delivery while a service of the case
    is still unrated: the window, or a department that decided."""
    with sessions.begin() as session:
        rated = (select(func.count()).select_from(Rating)
                 .where(Rating.application_id == Application.id).scalar_subquery())
        deciding = (select(func.count(Task.department_code.distinct()))
                    .where(Task.application_id == Application.id, Task.status.in_(DECIDED))
                    .scalar_subquery())
        apps = list(session.scalars(select(Application).where(
            Application.status == AppStatus.delivered.value,
            Application.delivered_at <= now - dt.timedelta(days=days),
            Application.rating_invited_at.is_(None), rated < 1 + deciding)
            .order_by(Application.id).limit(500).with_for_update(skip_locked=True)))
        for app in apps:
            app.rating_invited_at = now
            session.add(Notification(recipient_id=app.applicant_id, created_at=now,
                                     subject=f"请对办件 {app.number} 的服务进行评价",
                                     body="您的办件已办结送达，欢迎对受理窗口和各审批部门的服务"
                                          "分别作出评价（好差评），您的评价将用于改进政务服务。"))
        return len(apps)


def note_ticket(ctx: Ctx, rectification_id: int, text: str) -> None:
    """The 12345 complaint ticket of the bad rating was opened or ended: a step of the
    rectification (`ticket`), so that its page shows where the complaint stands."""
    rect = ctx.session.get(Rectification, rectification_id)
    if rect is None:
        return
    rect.steps = [*rect.steps, {"action": "ticket", "text": text, "by": "12345 热线",
                                "at": ctx.now.isoformat()}]
    ctx.session.flush()
