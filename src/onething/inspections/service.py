"""Random inspections' services: the check items, inspectors and 回避 records, tasks, and
the results of the objects drawn and their publication. Who may do what is asked here
(`may_manage`, `sees_staff_pages`); the draw itself is `drawing.py`. Services flush; the
caller commits.

Check items, inspectors and tasks are written by the approvers of the department (a task:
of one of its departments, for 联合抽查 several) whose region holds the task's, or by an
administrator; results are recorded and published by the same people (谁检查、谁录入、
谁公开). Supervisors and administrators read everything in their scope; the public reads
tasks, draws and published results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.context import Ctx
from onething.catalog.expressions import ExpressionError
from onething.inspections import rules
from onething.inspections.models import (
    CheckItem,
    InspectionObject,
    InspectionTask,
    Inspector,
    Recusal,
)
from onething.inspections.rules import TaskStatus
from onething.kernel import bus
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.kernel.regions import within
from onething.kernel.watch import WatchEnded, WatchStarted

NAME_MAX, TEXT_MAX, FILTER_MAX = 200, 2000, 1000


def _invalid(field: str, message: str, code: str = "inspection_invalid") -> Invalid:
    return Invalid(message, code=code, problems=[FieldProblem(field, message)])


# --- who ---------------------------------------------------------------------------------


def sees_staff_pages(actor: Principal) -> bool:
    """Who has the staff's inspection pages: departments' approvers, supervisors, admins."""
    return actor.role in (Role.admin, Role.supervisor) or (
        actor.role == Role.approver and actor.department is not None)


def _in_region(ctx: Ctx, region: str) -> bool:
    return ctx.actor.region is None or within(ctx.catalog.regions, region, ctx.actor.region)


def may_manage(ctx: Ctx, departments: Sequence[str], region: str) -> bool:
    """Approvers of one of the departments whose region holds `region`, administrators."""
    me = ctx.actor
    return me.role == Role.admin or (me.role == Role.approver and me.department in departments
                                     and _in_region(ctx, region))


def require_manage(ctx: Ctx, departments: Sequence[str], region: str, what: str) -> None:
    if not may_manage(ctx, departments, region):
        raise Forbidden(f"只有相关部门的审批人员或管理员可以{what}", code="inspection_forbidden")


def _staff(ctx: Ctx) -> None:
    if not sees_staff_pages(ctx.actor):
        raise Forbidden("只有执法部门、监察人员和管理员可以查看", code="inspection_forbidden")


def _department(ctx: Ctx, code: str, field: str = "department") -> str:
    if code not in ctx.catalog.departments:
        raise _invalid(field, f"没有部门 {code!r}")
    return code


def _region(ctx: Ctx, code: str, field: str = "region") -> str:
    if code not in ctx.catalog.regions:
        raise _invalid(field, f"没有行政区划 {code!r}")
    return code


def _text(field: str, name: str, value: str, most: int = NAME_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise _invalid(field, f"请填写{name}")
    if len(value) > most:
        raise _invalid(field, f"{name}不能超过 {most} 个字")
    return value


# --- check items -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    department: str
    name: str
    basis: str
    method: str


def add_item(ctx: Ctx, data: ItemInput) -> CheckItem:
    """An entry of the 随机抽查事项清单 (no inspection without a legal basis)."""
    department = _department(ctx, data.department)
    require_manage(ctx, [department], ctx.actor.region or "", "编制抽查事项清单")
    item = CheckItem(department_code=department, name=_text("name", "抽查事项", data.name),
                     basis=_text("basis", "抽查依据", data.basis, TEXT_MAX),
                     method=_text("method", "抽查方式", data.method), created_at=ctx.now)
    ctx.session.add(item)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "add_check_item", "inspection_item", item.id,
                 at=ctx.now, after={"department": department, "name": item.name})
    return item


def items(session: Session, department: str | None = None) -> list[CheckItem]:
    query = select(CheckItem).order_by(CheckItem.department_code, CheckItem.id)
    if department:
        query = query.where(CheckItem.department_code == department)
    return list(session.scalars(query))


# --- inspectors and 回避 -------------------------------------------------------------------


@dataclass(frozen=True)
class InspectorInput:
    name: str
    cert_number: str
    department: str
    region: str
    township: str | None
    qualification: str
    username: str | None = None


def add_inspector(ctx: Ctx, data: InspectorInput) -> Inspector:
    """An officer of the 执法检查人员名录库, optionally linked to their account."""
    department, region = _department(ctx, data.department), _region(ctx, data.region)
    require_manage(ctx, [department], region, "登记执法检查人员")
    cert = _text("cert_number", "执法证号", data.cert_number, 32)
    if ctx.session.scalar(select(Inspector.id).where(Inspector.cert_number == cert)):
        raise Conflict(f"执法证号 {cert} 已登记", code="inspector_exists")
    user_id = None
    if data.username:
        from onething.identity.models import User

        user_id = ctx.session.scalar(select(User.id).where(User.username == data.username))
        if user_id is None:
            raise _invalid("username", f"没有账号 {data.username!r}")
    township = (data.township or "").strip() or None
    if township and not township.startswith(region):
        raise _invalid("township", f"所属基层所（乡镇、街道）{township} 不在 {region} 之内")
    found = Inspector(name=_text("name", "姓名", data.name, 50), cert_number=cert,
                      department_code=department, region_code=region, township_code=township,
                      qualification=_text("qualification", "执法资格", data.qualification),
                      user_id=user_id, created_at=ctx.now)
    ctx.session.add(found)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "add_inspector", "inspector", found.id, at=ctx.now,
                 region=region, after={"cert_number": cert, "department": department})
    return found


def inspectors(ctx: Ctx) -> list[Inspector]:
    """The inspectors the caller's scope holds (a department's approvers: their own)."""
    _staff(ctx)
    me = ctx.actor
    query = select(Inspector).order_by(Inspector.department_code, Inspector.cert_number)
    if me.role == Role.approver:
        query = query.where(Inspector.department_code == me.department)
    return [i for i in ctx.session.scalars(query) if _in_region(ctx, i.region_code)]


def add_recusal(ctx: Ctx, cert_number: str, uscc: str, reason: str) -> Recusal:
    """回避: the inspector is never drawn for this entity."""
    inspector = ctx.session.scalar(select(Inspector).where(
        Inspector.cert_number == (cert_number or "").strip()))
    if inspector is None:
        raise _invalid("cert_number", f"没有执法证号为 {cert_number!r} 的执法检查人员")
    require_manage(ctx, [inspector.department_code], inspector.region_code, "登记回避")
    uscc = _text("uscc", "统一社会信用代码", uscc, 18).upper()
    known = ctx.session.scalar(select(Recusal).where(Recusal.inspector_id == inspector.id,
                                                     Recusal.uscc == uscc))
    if known is not None:
        return known
    found = Recusal(inspector_id=inspector.id, uscc=uscc,
                    reason=_text("reason", "回避理由", reason, TEXT_MAX),
                    recorded_by_id=ctx.actor.user_id or None, created_at=ctx.now)
    ctx.session.add(found)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "add_recusal", "inspector", inspector.id,
                 at=ctx.now, region=inspector.region_code, after={"uscc": uscc})
    return found


# --- tasks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInput:
    name: str
    region: str
    departments: list[str]
    items: list[int]
    ratio: str
    inspectors_per_object: int
    starts_on: dt.date
    ends_on: dt.date
    object_filter: str = ""


def create_task(ctx: Ctx, data: TaskInput) -> InspectionTask:
    region = _region(ctx, data.region)
    departments = list(dict.fromkeys(d.strip() for d in data.departments if d.strip()))
    if not departments:
        raise _invalid("departments", "请至少选择一个实施部门")
    for code in departments:
        _department(ctx, code, "departments")
    require_manage(ctx, departments, region, "创建抽查任务")
    problem = rules.ratio_problem(data.ratio)
    if problem:
        raise _invalid("ratio", problem, "inspection_ratio")
    if data.inspectors_per_object < 2:
        raise _invalid("inspectors_per_object", "每个检查对象至少须有 2 名执法检查人员")
    if data.ends_on < data.starts_on:
        raise _invalid("ends_on", "检查结束日期不能早于开始日期")
    chosen = list(ctx.session.scalars(select(CheckItem).where(CheckItem.id.in_(data.items))))
    if not data.items or len(chosen) != len(set(data.items)):
        raise _invalid("items", "请选择抽查事项清单中的事项")
    strange = [i.name for i in chosen if i.department_code not in departments]
    if strange:
        raise _invalid("items", f"抽查事项不属于实施部门：{'、'.join(strange)}")
    try:
        rules.compile_filter(data.object_filter[:FILTER_MAX + 1])
    except ExpressionError as exc:
        raise _invalid("object_filter", str(exc)) from exc
    if len(data.object_filter) > FILTER_MAX:
        raise _invalid("object_filter", f"筛选条件不能超过 {FILTER_MAX} 个字符")
    task = InspectionTask(
        name=_text("name", "任务名称", data.name), region_code=region, departments=departments,
        items=sorted(set(data.items)), object_filter=data.object_filter.strip(),
        ratio=Decimal(str(data.ratio)), inspectors_per_object=data.inspectors_per_object,
        starts_on=data.starts_on, ends_on=data.ends_on, status=TaskStatus.draft.value,
        created_by_id=ctx.actor.user_id or None, created_at=ctx.now)
    ctx.session.add(task)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "create_inspection_task", "inspection_task", task.id,
                 at=ctx.now, region=region,
                 after={"departments": departments, "ratio": str(task.ratio)})
    return task


def task(session: Session, task_id: int) -> InspectionTask:
    """A task: anyone may read it (the seed only once drawn, see `shown_seed`)."""
    found = session.get(InspectionTask, task_id)
    if found is None:
        raise NotFound("没有该抽查任务", code="inspection_task_not_found")
    return found


def shown_seed(found: InspectionTask) -> str | None:
    return found.seed if found.status == TaskStatus.drawn.value else None


def tasks(session: Session, limit: int = 100) -> list[InspectionTask]:
    return list(session.scalars(select(InspectionTask).order_by(
        InspectionTask.id.desc()).limit(limit)))


def objects(session: Session, task_id: int, limit: int = 500, offset: int = 0
            ) -> list[InspectionObject]:
    return list(session.scalars(select(InspectionObject).where(
        InspectionObject.task_id == task_id).order_by(InspectionObject.seq)
        .limit(limit).offset(offset)))


def inspector_names(session: Session, certs: Sequence[str]) -> dict[str, str]:
    if not certs:
        return {}
    return dict(session.execute(select(Inspector.cert_number, Inspector.name).where(
        Inspector.cert_number.in_(set(certs)))).all())


def item_names(session: Session, ids: Sequence[int]) -> list[str]:
    return list(session.scalars(select(CheckItem.name).where(CheckItem.id.in_(ids))
                                .order_by(CheckItem.id)))


# --- results and their publication -----------------------------------------------------


def object_of(session: Session, object_id: int) -> InspectionObject:
    found = session.get(InspectionObject, object_id)
    if found is None:
        raise NotFound("没有该检查对象", code="inspection_object_not_found")
    return found


def _object(ctx: Ctx, object_id: int) -> tuple[InspectionObject, InspectionTask]:
    found = object_of(ctx.session, object_id)
    return found, task(ctx.session, found.task_id)


def may_record(ctx: Ctx, found: InspectionTask) -> bool:
    return may_manage(ctx, found.departments, found.region_code)


def record_result(ctx: Ctx, object_id: int, result: str, note: str = "",
                  on: dt.date | None = None) -> InspectionObject:
    """The inspection's result (谁检查、谁录入); its publication is due 20 working days on,
    a deadline the sweep watches."""
    obj, found = _object(ctx, object_id)
    require_manage(ctx, found.departments, found.region_code, "录入检查结果")
    if obj.result is not None:
        raise Conflict("该对象的检查结果已录入", code="inspection_result_recorded")
    if result not in rules.RESULTS:
        raise _invalid("result", f"检查结果须为：{'、'.join(rules.RESULTS.values())}")
    day = on or ctx.today
    if day > ctx.today or day < found.starts_on:
        raise _invalid("on", f"检查日期须在 {found.starts_on} 至今天之间")
    obj.result, obj.result_note, obj.result_on = result, (note or "").strip()[:TEXT_MAX], day
    obj.recorded_by_id = ctx.actor.user_id or None
    obj.publish_due_on = ctx.calendar.add(day, rules.PUBLISH_DAYS).date
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "record_inspection_result", "inspection_object",
                 obj.id, at=ctx.now, region=found.region_code,
                 after={"uscc": obj.uscc, "result": result})
    bus.publish(ctx, WatchStarted(
        rules.SUBJECT, obj.id, day, obj.publish_due_on,
        f"抽查结果公示：{found.name}（{obj.name}）", found.region_code, found.departments[0]))
    return obj


def publish_result(ctx: Ctx, object_id: int) -> InspectionObject:
    """The result made public (双随机、一公开): its watched deadline ends."""
    obj, found = _object(ctx, object_id)
    require_manage(ctx, found.departments, found.region_code, "公示检查结果")
    if obj.result is None:
        raise Conflict("请先录入检查结果", code="inspection_result_missing")
    if obj.published_at is not None:
        raise Conflict("该检查结果已公示", code="inspection_result_published")
    obj.published_at = ctx.now
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "publish_inspection_result", "inspection_object",
                 obj.id, at=ctx.now, region=found.region_code)
    bus.publish(ctx, WatchEnded(rules.SUBJECT, obj.id, obj.publish_due_on))
    return obj


@dataclass(frozen=True)
class PublishedResult:
    task: InspectionTask
    object: InspectionObject


def published_results(session: Session, uscc: str | None = None, name: str | None = None,
                      limit: int = 100) -> list[PublishedResult]:
    """Published results, the newest first, of one entity (by USCC or a part of its name)."""
    query = (select(InspectionObject, InspectionTask)
             .join(InspectionTask, InspectionTask.id == InspectionObject.task_id)
             .where(InspectionObject.published_at.is_not(None))
             .order_by(InspectionObject.published_at.desc(), InspectionObject.id.desc())
             .limit(limit))
    if uscc:
        query = query.where(InspectionObject.uscc == uscc.strip().upper())
    if name:
        query = query.where(InspectionObject.name.contains(name.strip()))
    return [PublishedResult(t, o) for o, t in session.execute(query)]
