"""Tasks (子项办理): routed to the competent office, decided in parallel by stage.

A stage opens when every task of the stage before it is decided; a denial cancels the
later stages; the application completes when every task is decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, union_all

from onething.cases import access, automatic, durations, notices, ports
from onething.cases.events import ApplicationCompleted, TaskApproved, TaskDecided
from onething.cases.models import DUE_AT_ONCE, Application, SpecialProcedure, Suspension, Task
from onething.cases.routing import competent_region, deciding
from onething.cases.states import (
    DECIDED,
    AppStatus,
    ProcedureStatus,
    TaskStatus,
    next_application_status,
    next_task_status,
)
from onething.cases.timeline import record
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.catalog.service import catalog_at
from onething.catalog.spec import Level
from onething.credit import service as credit
from onething.identity.models import User
from onething.kernel import bus
from onething.kernel.clock import CHINA
from onething.kernel.errors import Conflict, FieldProblem, Invalid, NotFound
from onething.kernel.identifiers import id_number_problem
from onething.kernel.principal import SYSTEM
from onething.kernel.watch import WatchEnded

# 行政许可法 art. 45: the procedures whose time does not count toward the limit
SPECIAL_PROCEDURES = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")
MAX_PROCEDURE_DAYS = 250  # about a year of working days


def create_tasks(ctx: Ctx, app: Application) -> list[Task]:
    """One task per applicable item, at the office of its department in the competent region
    (the receiving region's, the applicant's or the one the form gives: `routing.deciding`)."""
    created = []
    applicant_region = ctx.session.scalar(select(User.region_code).where(
        User.id == app.applicant_id))
    items = pinned(ctx, app).items
    for entry in app.guide["items"]:
        item = items[entry["code"]]
        where = deciding(ctx.catalog, item, app.region_code, app.form, applicant_region)
        app.cross_region = app.cross_region or bool(where and where.elsewhere)
        task = Task(application_id=app.id, item_code=item.code, item_name=item.name,
                    stage=entry["stage"], department_code=item.handler.code,
                    region_code=where.region if where else competent_region(
                        ctx.catalog, app.region_code, Level(item.level)),
                    status=TaskStatus.waiting, promised_days=item.promised_days,
                    legal_days=item.legal_days)
        ctx.session.add(task)
        created.append(task)
    ctx.session.flush()
    app.legal_days = durations.longest_per_stage(created, "legal_days")
    if created:
        opened = _open_stage(ctx, app, created, min(t.stage for t in created))
        if _automatic(ctx, app, opened):
            _advance(ctx, app)
    return created


def pinned(ctx: Ctx, app: Application) -> Catalog:
    """The catalog of the version `app` was submitted under: its items, days and rules hold
    for it whatever version was published since."""
    if app.catalog_version == ctx.catalog.version:
        return ctx.catalog
    return catalog_at(ctx.session, app.catalog_version_id)


def _open_stage(ctx: Ctx, app: Application, found: list[Task], stage: int) -> list[Task]:
    opened = []
    for task in found:
        if task.stage == stage and task.status == TaskStatus.waiting:
            task.status = next_task_status(task.status, "open", ctx.actor.role, True)
            task.opened_on = ctx.today
            _set_deadline(ctx, task)
            record(ctx, app, "open", before=TaskStatus.waiting.value, after=task.status,
                   task=task)
            opened.append(task)
    return opened


# --- 智能办 (秒批) -------------------------------------------------------------------------


def _automatic(ctx: Ctx, app: Application, opened: list[Task]) -> bool:
    """秒批: each task just opened whose item has an automatic rule is decided by the
    platform at once when the rule holds and the applicant may use 秒批, else sent to its
    office with the condition not met. Whether any was decided (the case moves on)."""
    decided = False
    inputs: automatic.Inputs | None = None
    items = pinned(ctx, app).items
    for task in opened:
        item = items.get(task.item_code)
        if item is None or not item.auto:
            continue
        inputs = inputs or _auto_inputs(ctx, app)
        outcome = automatic.decide(item, inputs)
        task.auto_check = {"held": outcome.held, "unmet": outcome.unmet,
                           "facts": outcome.facts}
        if outcome.held:
            _auto_approve(ctx.acting_as(SYSTEM), app, task, outcome)
            decided = True
        else:
            record(ctx.acting_as(SYSTEM), app, "auto_referred", task=task,
                   reason=f"不符合秒批条件：{outcome.unmet}", data={"facts": outcome.facts})
    return decided


def _auto_inputs(ctx: Ctx, app: Application) -> automatic.Inputs:
    """What an automatic rule may read about the applicant of `app`."""
    holder = credit.holder_of(ctx.session, app.applicant_id)
    standing = credit.may_use(ctx.session, holder, ctx.today)
    person = next((k for k in holder.keys if id_number_problem(k) is None), None)
    profile = (ports.profiles().of_person(ctx.session, ctx.catalog, person, ctx.today)
               if person else {})
    held = ports.licences().held(ctx.session, app.applicant_id, ctx.today)
    return automatic.Inputs(
        form=app.form, fields=ctx.catalog.fields, licences=held.keys(), profile=profile,
        bad_credit=standing.record is not None, good_credit=standing.good is not None,
        credit_bar=(None if standing.allows("auto_approval")
                    else standing.reason("auto_approval")),
        today=ctx.today)


def _auto_approve(ctx: Ctx, app: Application, task: Task, outcome: automatic.Outcome) -> None:
    """The platform approves the task (ctx acts as SYSTEM): as an office's approval, with
    the facts the rule relied on on the timeline and in the audit trail."""
    values = ports.licences().result_values(ctx.session, ctx.catalog, app, task, {})
    before = task.status
    task.decided_at, task.decided_by_id = ctx.now, None
    task.reason = "符合秒批条件，系统自动准予"
    if task.opened_on is not None:
        task.worked_days, task.late_days = durations.of_task(task, ctx.calendar, ctx.today)
    _fill_form(ctx, app, task, values)
    bus.publish(ctx, TaskApproved(app.id, task.id, task.item_code, values))
    task.status = next_task_status(task.status, "auto_approve", ctx.actor.role, True)
    task.auto_approved = True
    ctx.session.flush()
    record(ctx, app, "auto_approve", before=before, after=task.status, reason=task.reason,
           task=task, data={"facts": outcome.facts})
    _start(ctx, app)
    bus.publish(ctx, WatchEnded("task", task.id, task.deadline))
    bus.publish(ctx, TaskDecided(app.id, task.id, "approve"))


def _set_deadline(ctx: Ctx, task: Task) -> None:
    assert task.opened_on is not None
    deadline = ctx.calendar.add(task.opened_on, task.promised_days + task.suspended_days)
    task.deadline, task.deadline_provisional = deadline.date, deadline.provisional


@dataclass
class Decision:
    action: str  # approve | deny | suspend | resume
    version: int
    reason: str | None = None
    procedure: str | None = None  # for suspend: one of SPECIAL_PROCEDURES
    procedure_days: int | None = None  # for suspend: its expected length, working days
    # for approve: the values the item creates (its result's `fills`), field code → value
    data: dict[str, Any] = field(default_factory=dict)


def decide(ctx: Ctx, task_id: int, d: Decision) -> Task:
    task = ctx.session.get(Task, task_id)
    if task is None:
        raise NotFound("没有该事项", code="task_not_found")
    access.owns_task(ctx, task)
    if d.action not in _ACTIONS:
        raise Invalid("决定应为准予、不予批准、启动特别程序或恢复办理",
                      problems=[FieldProblem("action", "应为 approve、deny、suspend 或 resume")])
    if d.data and d.action != "approve":
        raise Invalid("只有准予时才填写办结结果信息", problems=[FieldProblem(
            "data", "仅在准予（approve）时提交")])
    if d.version != task.version:
        raise Conflict(f"该事项已被更新（当前版本 {task.version}），请刷新后重试",
                       code="stale_version")
    status = next_task_status(task.status, d.action, ctx.actor.role)
    # the application's row is the lock all of its tasks' decisions queue on, so that two
    # last decisions at once cannot both miss that the stage (or the case) is complete
    app = ctx.session.get_one(Application, task.application_id, with_for_update=True)
    before = task.status
    _ACTIONS[d.action](ctx, app, task, d)
    task.status = status
    ctx.session.flush()
    record(ctx, app, d.action, before=before, after=task.status, reason=d.reason, task=task,
           data=_suspension_event(task) if d.action == "suspend" else None)
    _start(ctx, app)
    if status in DECIDED:
        bus.publish(ctx, WatchEnded("task", task.id, task.deadline))
        bus.publish(ctx, TaskDecided(app.id, task.id, d.action))
        _advance(ctx, app)
    ctx.session.flush()
    return task


def _decided(ctx: Ctx, task: Task, reason: str | None) -> None:
    task.decided_at, task.decided_by_id, task.reason = ctx.now, ctx.actor.user_id, reason
    if task.opened_on is not None:
        task.worked_days, task.late_days = durations.of_task(task, ctx.calendar, ctx.today)


def _approve(ctx: Ctx, app: Application, task: Task, d: Decision) -> None:
    """The values the item creates go into the form; its licence is issued and, if the
    approval relied on a commitment, its check opened (by the domains listening)."""
    values = ports.licences().result_values(ctx.session, ctx.catalog, app, task, d.data)
    _decided(ctx, task, d.reason)
    _fill_form(ctx, app, task, values)
    bus.publish(ctx, TaskApproved(app.id, task.id, task.item_code, values))


def _fill_form(ctx: Ctx, app: Application, task: Task, values: dict[str, Any]) -> None:
    """The values the item created go into the application's form, for the later stages'
    offices and the applicant to see; the timeline says which (not the values)."""
    changed = [code for code, value in values.items() if app.form.get(code) != value]
    if not changed:
        return
    app.form = {**app.form, **values}
    labels = "、".join(ctx.catalog.fields[code].label for code in changed)
    record(ctx, app, "fill_form", task=task, reason=f"“{task.item_name}”办结，填入申请表：{labels}",
           data={"fields": changed})


def _deny(ctx: Ctx, app: Application, task: Task, d: Decision) -> None:
    _require_reason(d, "不予批准须说明理由")
    _decided(ctx, task, d.reason)


def _suspend(ctx: Ctx, app: Application, task: Task, d: Decision) -> None:
    """The clock stops for a special procedure; the applicant is told in writing which one,
    for how long and until when (on the application and through the outbox)."""
    _check_suspension(d)
    assert d.procedure is not None and d.procedure_days is not None and d.reason is not None
    end = ctx.calendar.add(ctx.today, d.procedure_days)
    procedure = SpecialProcedure(
        task_id=task.id, application_id=app.id, procedure=d.procedure, days=d.procedure_days,
        reason=d.reason.strip(), started_on=ctx.today, expected_end=end.date,
        expected_end_provisional=end.provisional, started_by_id=ctx.actor.user_id or None)
    ctx.session.add(procedure)
    ctx.session.flush()
    task.suspended_on = ctx.today
    task.next_check_on = app.next_check_on = DUE_AT_ONCE  # both clocks stop: see the sweep
    notice = notices.special_procedure(app, task.item_name, procedure)
    suspension: Suspension = {
        "id": procedure.id, "procedure": d.procedure, "days": d.procedure_days,
        "reason": procedure.reason, "since": ctx.today.isoformat(),
        "expected_end": end.date.isoformat(), "expected_end_provisional": end.provisional,
        "notice": notice}
    task.suspension = suspension
    notices.tell_applicant(ctx, app, notice)


def _check_suspension(d: Decision) -> None:
    """Which procedure, how long and why: every missing one named at once."""
    problems = []
    if d.procedure not in SPECIAL_PROCEDURES:
        problems.append(FieldProblem("procedure", f"应为：{'、'.join(SPECIAL_PROCEDURES)}"))
    if d.procedure_days is None or not 1 <= d.procedure_days <= MAX_PROCEDURE_DAYS:
        problems.append(FieldProblem("procedure_days", "请填写预计所需时间：1 至 "
                                     f"{MAX_PROCEDURE_DAYS} 个工作日"))
    if not (d.reason or "").strip():
        problems.append(FieldProblem("reason", "请填写理由"))
    if problems:
        raise Invalid("启动特别程序须写明程序种类、预计所需工作日和理由", problems=problems)


def _suspension_event(task: Task) -> dict[str, Any]:
    """The suspension's facts and the written notice, kept in its event."""
    s = task.suspension
    if s is None:
        return {"procedure": None, "days": None, "expected_end": None, notices.KEY: None}
    return {"procedure": s["procedure"], "days": s["days"], "expected_end": s["expected_end"],
            notices.KEY: s["notice"]}


def _resume(ctx: Ctx, app: Application, task: Task, d: Decision) -> None:
    """The clock restarts; the working days spent in the special procedure extend the limit."""
    assert task.suspended_on is not None
    task.suspended_days += ctx.calendar.count(task.suspended_on, ctx.today)
    _end_procedure(ctx, task)
    task.next_check_on = app.next_check_on = DUE_AT_ONCE  # both clocks run again
    _set_deadline(ctx, task)
    _refresh_application_deadline(ctx, app)


def _end_procedure(ctx: Ctx, task: Task) -> None:
    """The running special procedure of `task` ends today (resumed, or the task cancelled);
    its cards close with the working days it ran over."""
    procedure_id = task.suspension["id"] if task.suspension else None
    procedure = ctx.session.get(SpecialProcedure, procedure_id) if procedure_id else None
    if procedure is not None and procedure.status == "running":
        procedure.status, procedure.ended_on = ProcedureStatus.ended, ctx.today
        bus.publish(ctx, WatchEnded("procedure", procedure.id, procedure.expected_end))
    task.suspended_on, task.suspension = None, None


def _require_reason(d: Decision, message: str) -> None:
    if not (d.reason or "").strip():
        raise Invalid(message, problems=[FieldProblem("reason", "请填写理由")])


_ACTIONS = {"approve": _approve, "deny": _deny, "suspend": _suspend, "resume": _resume}


def _tasks_of(ctx: Ctx, app: Application) -> list[Task]:
    return list(ctx.session.scalars(select(Task).where(Task.application_id == app.id)
                                    .order_by(Task.stage, Task.id)))


def _refresh_application_deadline(ctx: Ctx, app: Application) -> None:
    """Promised days plus, for each stage, the longest special procedure in it."""
    if app.accepted_at is not None:
        stopped = durations.longest_per_stage(_tasks_of(ctx, app), "suspended_days")
        deadline = ctx.calendar.add(app.accepted_at.astimezone(CHINA).date(),
                                    app.promised_days + stopped)
        app.deadline, app.deadline_provisional = deadline.date, deadline.provisional


def _start(ctx: Ctx, app: Application) -> None:
    if app.status in (AppStatus.accepted, AppStatus.accepted_with_deficiency):
        before = app.status
        app.status = next_application_status(app.status, "start", ctx.actor.role, True)
        record(ctx, app, "start", before=before, after=app.status)


def _advance(ctx: Ctx, app: Application) -> None:
    """Open the next stage, cancel later ones after a denial, or complete the application."""
    found = _tasks_of(ctx, app)
    for stage in sorted({t.stage for t in found}):
        in_stage = [t for t in found if t.stage == stage]
        if all(t.status == TaskStatus.waiting for t in in_stage):
            opened = _open_stage(ctx, app, found, stage)  # every stage before it is decided
            if _automatic(ctx, app, opened):
                _advance(ctx, app)
            return
        if not all(TaskStatus(t.status) in DECIDED for t in in_stage):
            return  # this stage is still running
        if any(t.status == TaskStatus.denied for t in in_stage):
            _cancel(ctx, app, [t for t in found if t.stage > stage],
                    f"第 {stage} 阶段有事项不予批准，后续事项终止")
            break
    _complete(ctx, app, found)


def _cancel(ctx: Ctx, app: Application, found: list[Task], reason: str) -> None:
    for task in found:
        if TaskStatus(task.status) not in DECIDED:
            before = task.status
            if task.status == TaskStatus.suspended:
                _end_procedure(ctx, task)
            task.status = next_task_status(task.status, "cancel", ctx.actor.role, True)
            task.reason = reason
            bus.publish(ctx, WatchEnded("task", task.id, task.deadline))
            record(ctx, app, "cancel", before=before, after=task.status, reason=reason,
                   task=task)


def cancel_undecided(ctx: Ctx, app: Application, reason: str) -> None:
    """Every task not decided yet ends (the case is terminated)."""
    _cancel(ctx, app, _tasks_of(ctx, app), reason)


def cancel_open(ctx: Ctx, app: Application, reason: str) -> None:
    decided = [t for t in _tasks_of(ctx, app) if t.status in (TaskStatus.approved,
                                                              TaskStatus.denied)]
    if decided:
        raise Conflict("已有部门作出决定，不能撤回", code="already_decided")
    _cancel(ctx, app, _tasks_of(ctx, app), reason)


def _complete(ctx: Ctx, app: Application, found: list[Task]) -> None:
    approved = sum(t.status == TaskStatus.approved for t in found)
    denied = sum(t.status == TaskStatus.denied for t in found)
    action = ("complete" if not denied else
              "complete_denied" if not approved else "complete_partly_denied")
    before = app.status
    app.status = next_application_status(app.status, action, ctx.actor.role, True)
    app.completed_at = ctx.now
    app.next_check_on = DUE_AT_ONCE  # the result is to be issued: a clock of its own
    if app.accepted_at is not None:
        app.worked_days, app.late_days = durations.of_application(app, found, ctx.calendar,
                                                                  ctx.today)
    bus.publish(ctx, WatchEnded("application", app.id, app.deadline))
    record(ctx, app, action, before=before, after=app.status)
    if app.status == AppStatus.completed and ctx.catalog.bundles[app.bundle_code].repairs_credit:
        _repair_credit(ctx, app)
    bus.publish(ctx, ApplicationCompleted(app.id, app.status))


def _repair_credit(ctx: Ctx, app: Application) -> None:
    """信用修复 granted: the applicant's current 失信 records are repaired (credit's rule),
    so that 容缺, 告知承诺 and 秒批 are open to them again."""
    repaired = credit.repair(ctx.session, credit.holder_of(ctx.session, app.applicant_id),
                             application_id=app.id, now=ctx.now, today=ctx.today,
                             actor=ctx.actor)
    if repaired:
        names = "；".join(credit.described(r) for r in repaired)
        record(ctx, app, "repair_credit", reason=f"信用修复完成，以下失信记录已修复：{names}",
               data={"records": [r.id for r in repaired]})


def inbox(ctx: Ctx, statuses: tuple[str, ...] = ("pending", "suspended"), limit: int = 50,
          offset: int = 0) -> list[Task]:
    """The approver's tasks: by deadline, so the overdue come first."""
    access.require_approver(ctx)
    query = inbox_query(ctx.actor.department or "", ctx.actor.region or "", statuses,
                        limit + offset)
    return list(ctx.session.scalars(query.offset(offset)))


def inbox_query(department: str, region: str, statuses: tuple[str, ...],
                upto: int) -> Select[Task]:
    """One office's first `upto` open tasks by deadline (the overdue first). Each status is
    read in deadline order from ix_tasks_inbox and cut at `upto`, so the busiest office
    costs no more than a quiet one (an IN over the statuses would sort all its tasks)."""
    parts = [select(Task.id, Task.deadline).where(
        Task.department_code == department, Task.region_code == region, Task.status == status)
        .order_by(Task.deadline, Task.id).limit(upto).subquery() for status in statuses]
    firsts = union_all(*(select(p.c.id, p.c.deadline) for p in parts)).subquery()
    return (select(Task).join(firsts, Task.id == firsts.c.id)
            .order_by(firsts.c.deadline, Task.id).limit(upto))

