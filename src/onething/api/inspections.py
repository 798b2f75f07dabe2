"""Random inspections (双随机、一公开) through HTTP: the check items, inspectors and 回避,
tasks, their freeze and draw, the published record and pool, results and their
publication. Thin: each route calls `inspections.service` or `inspections.drawing`.

Tasks, draws, check items and published results are public (no sign-in)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from onething.catalog.context import Ctx
from onething.http.deps import CtxDep, SessionDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.inspections import drawing, rules, service
from onething.inspections.models import CheckItem, InspectionObject, InspectionTask, Inspector
from onething.inspections.rules import TaskStatus
from onething.kernel.errors import Conflict

router = APIRouter(prefix="/api/v1", tags=["inspections"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})

Text = Annotated[str, Field(max_length=service.TEXT_MAX)]
Name = Annotated[str, Field(max_length=service.NAME_MAX)]


class ItemIn(BaseModel):
    department: Annotated[str, Field(max_length=64, description="部门代码，如 SCJG")]
    name: Name
    basis: Text = Field(description="抽查依据（法律法规规章条款）")
    method: Name = Field(description="抽查方式，如 现场检查、书面检查")


class ItemOut(BaseModel):
    id: int
    department: str
    name: str
    basis: str
    method: str

    @classmethod
    def of(cls, i: CheckItem) -> ItemOut:
        return cls(id=i.id, department=i.department_code, name=i.name, basis=i.basis,
                   method=i.method)


class InspectorIn(BaseModel):
    name: Annotated[str, Field(max_length=50)]
    cert_number: Annotated[str, Field(max_length=32, description="执法证号")]
    department: Annotated[str, Field(max_length=64)]
    region: Annotated[str, Field(max_length=12)]
    township: Annotated[str | None, Field(max_length=12, description="所属基层所（乡镇、街道代码）")
                        ] = None
    qualification: Name = Field(description="执法资格")
    username: Annotated[str | None, Field(max_length=64, description="关联的账号")] = None


class InspectorOut(BaseModel):
    id: int
    name: str
    cert_number: str
    department: str
    region: str
    township: str | None
    qualification: str

    @classmethod
    def of(cls, i: Inspector) -> InspectorOut:
        return cls(id=i.id, name=i.name, cert_number=i.cert_number,
                   department=i.department_code, region=i.region_code,
                   township=i.township_code, qualification=i.qualification)


class RecusalIn(BaseModel):
    cert_number: Annotated[str, Field(max_length=32, description="执法检查人员的执法证号")]
    uscc: Annotated[str, Field(max_length=18, description="检查对象的统一社会信用代码")]
    reason: Text = Field(description="回避理由（利害关系）")


class TaskIn(BaseModel):
    name: Name
    region: Annotated[str, Field(max_length=12, description="实施地区")]
    departments: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=10, description="实施部门，联合抽查为多个（牵头部门在前）")
    items: list[int] = Field(max_length=50, description="抽查事项（随机抽查事项清单的编号）")
    object_filter: Annotated[str, Field(max_length=service.FILTER_MAX + 1)] = Field(
        "", description="检查对象的筛选条件（CEL），可用 uscc、name、kind、region、township、"
                        "risk（A/B/C/D）、source；留空为本地区全部")
    ratio: Annotated[str, Field(max_length=20, description="抽查比例，(0, 1]，如 0.05")]
    inspectors_per_object: int = Field(ge=0, le=20, description="每个对象的执法检查人员数（≥2）")
    starts_on: dt.date
    ends_on: dt.date


class ObjectOut(BaseModel):
    id: int
    seq: int
    uscc: str
    name: str
    inspectors: list[str] = Field(description="抽中的执法检查人员（执法证号），按抽中顺序")
    inspector_names: list[str]
    left_out: list[list[str]] = Field(description="回避的执法检查人员及原因")
    result: str | None = Field(description="检查结果代码（公示后公开）")
    result_name: str | None
    result_on: dt.date | None
    publish_due_on: dt.date | None = Field(description="结果公示期限（20 个工作日）")
    published_at: dt.datetime | None

    @classmethod
    def of(cls, o: InspectionObject, names: dict[str, str], full: bool) -> ObjectOut:
        shown = full or o.published_at is not None
        return cls(id=o.id, seq=o.seq, uscc=o.uscc, name=o.name, inspectors=o.inspectors,
                   inspector_names=[names.get(c, c) for c in o.inspectors],
                   left_out=o.left_out, result=o.result if shown else None,
                   result_name=rules.RESULTS.get(o.result or "") if shown else None,
                   result_on=o.result_on if shown else None,
                   publish_due_on=o.publish_due_on, published_at=o.published_at)


class TaskOut(BaseModel):
    id: int
    name: str
    region: str
    departments: list[str]
    items: list[int]
    object_filter: str
    ratio: str
    inspectors_per_object: int
    starts_on: dt.date
    ends_on: dt.date
    status: str = Field(description="draft 待冻结名录 · frozen 已公布承诺 · drawn 已摇号")
    status_name: str
    commitment: str | None = Field(description="种子的承诺（SHA-256），冻结名录时公布")
    pool_hash: str | None
    pool_size: int | None
    roster_hash: str | None
    seed: str | None = Field(description="种子，摇号后公布")
    picked: int | None
    objects: list[ObjectOut] = Field(description="抽中的检查对象（按抽中顺序，最多 500 户）")

    @classmethod
    def of(cls, session: Session, t: InspectionTask, full: bool = False) -> TaskOut:
        found = service.objects(session, t.id)
        names = service.inspector_names(session, [c for o in found for c in o.inspectors])
        return cls(id=t.id, name=t.name, region=t.region_code, departments=t.departments,
                   items=t.items, object_filter=t.object_filter, ratio=str(t.ratio.normalize()),
                   inspectors_per_object=t.inspectors_per_object, starts_on=t.starts_on,
                   ends_on=t.ends_on, status=t.status,
                   status_name=rules.STATUS_NAMES[TaskStatus(t.status)],
                   commitment=t.commitment, pool_hash=t.pool_hash, pool_size=t.pool_size,
                   roster_hash=t.roster_hash, seed=service.shown_seed(t), picked=t.picked,
                   objects=[ObjectOut.of(o, names, full) for o in found])


class ResultIn(BaseModel):
    result: Annotated[str, Field(max_length=16, description="、".join(
        f"{k} {v}" for k, v in rules.RESULTS.items()))]
    note: Text = ""
    on: dt.date | None = Field(None, description="检查日期（默认今天）")


class PublishedOut(BaseModel):
    task: int
    task_name: str
    uscc: str
    name: str
    result: str
    result_name: str
    result_on: dt.date | None
    note: str | None
    published_at: dt.datetime | None


# --- check items, inspectors, 回避 ------------------------------------------------------


@router.get("/inspection-items", response_model=list[ItemOut],
            summary="随机抽查事项清单（公开）")
def items(session: SessionDep,
          department: Annotated[str | None, Query(max_length=64)] = None) -> list[ItemOut]:
    return [ItemOut.of(i) for i in service.items(session, department)]


@router.post("/inspection-items", response_model=ItemOut, status_code=201,
             summary="编制抽查事项（本部门审批人员或管理员）")
def add_item(ctx: CtxDep, body: ItemIn) -> ItemOut:
    with ctx.work():
        item = service.add_item(ctx, service.ItemInput(**body.model_dump()))
        return ItemOut.of(item)


@router.get("/inspectors", response_model=list[InspectorOut],
            summary="执法检查人员名录库（本部门、监察人员、管理员）")
def inspectors(ctx: CtxDep) -> list[InspectorOut]:
    return [InspectorOut.of(i) for i in service.inspectors(ctx)]


@router.post("/inspectors", response_model=InspectorOut, status_code=201,
             summary="登记执法检查人员（本部门审批人员或管理员）")
def add_inspector(ctx: CtxDep, body: InspectorIn) -> InspectorOut:
    with ctx.work():
        return InspectorOut.of(service.add_inspector(
            ctx, service.InspectorInput(**body.model_dump())))


@router.post("/inspection-recusals", status_code=201, response_model=dict[str, Any],
             summary="登记回避：该执法检查人员不会被抽中检查该对象")
def add_recusal(ctx: CtxDep, body: RecusalIn) -> dict[str, Any]:
    with ctx.work():
        found = service.add_recusal(ctx, body.cert_number, body.uscc, body.reason)
        return {"id": found.id, "cert_number": body.cert_number, "uscc": found.uscc}


# --- tasks and the draw --------------------------------------------------------------


@router.get("/inspection-tasks", response_model=list[TaskOut], summary="抽查任务（公开）")
def tasks(session: SessionDep) -> list[TaskOut]:
    return [TaskOut.of(session, t) for t in service.tasks(session)]


@router.post("/inspection-tasks", response_model=TaskOut, status_code=201,
             summary="创建抽查任务（实施部门的审批人员或管理员；联合抽查列多个部门）")
def create_task(ctx: CtxDep, body: TaskIn) -> TaskOut:
    with ctx.work():
        task_id = service.create_task(ctx, service.TaskInput(**body.model_dump())).id
    return _answer(ctx, task_id)


def _task(session: Session, task_id: int, full: bool = False) -> TaskOut:
    return TaskOut.of(session, service.task(session, task_id), full)


def _answer(ctx: Ctx, task_id: int) -> TaskOut:
    """The task read again after the step's commit, as its department sees it."""
    with ctx.reading() as read:
        return _task(read.session, task_id, True)


@router.get("/inspection-tasks/{inspection_task_id}", response_model=TaskOut,
            summary="一个抽查任务：承诺、名录哈希、抽中的对象和已公示的结果（公开）")
def one_task(inspection_task_id: Id, session: SessionDep) -> TaskOut:
    return _task(session, inspection_task_id)


@router.post("/inspection-tasks/{inspection_task_id}/freeze", response_model=TaskOut,
             summary="冻结名录：计算检查对象名录和执法检查人员名录的哈希，生成种子并公布其承诺")
def freeze(inspection_task_id: Id, ctx: CtxDep) -> TaskOut:
    with ctx.work():
        drawing.freeze(ctx, inspection_task_id)
    return _answer(ctx, inspection_task_id)


@router.post("/inspection-tasks/{inspection_task_id}/draw", response_model=TaskOut,
             summary="摇号：抽取检查对象及各对象的执法检查人员（回避后），公布种子和完整记录")
def draw(inspection_task_id: Id, ctx: CtxDep) -> TaskOut:
    with ctx.work():
        drawing.draw(ctx, inspection_task_id)
    return _answer(ctx, inspection_task_id)


@router.get("/inspection-tasks/{inspection_task_id}/record",
            summary="完整的抽取记录（JSON，可用 onething draw verify 验证；公开）")
def draw_record(inspection_task_id: Id, session: SessionDep) -> Response:
    found = drawing.record(session, inspection_task_id)
    return JSONResponse(found, headers={
        "Content-Disposition": f'attachment; filename="inspection-{inspection_task_id}.json"'})


@router.get("/inspection-tasks/{inspection_task_id}/pool",
            summary="冻结的检查对象名录（每行一个统一社会信用代码；公开）")
def pool(inspection_task_id: Id, session: SessionDep) -> Response:
    found = service.task(session, inspection_task_id)
    if found.status == TaskStatus.draft.value:
        raise Conflict("该任务尚未冻结名录", code="inspection_task_not_frozen")
    text = "\n".join(drawing.pool_ids(session, found.id))
    return Response(text, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="inspection-{found.id}-pool.txt"'})


# --- results ------------------------------------------------------------------------


@router.post("/inspection-objects/{inspection_object_id}/result", response_model=ObjectOut,
             summary="录入检查结果（谁检查、谁录入）；须在 20 个工作日内公示")
def record_result(inspection_object_id: Id, ctx: CtxDep, body: ResultIn) -> ObjectOut:
    with ctx.work():
        found = service.record_result(ctx, inspection_object_id, body.result, body.note,
                                      body.on)
        names = service.inspector_names(ctx.session, found.inspectors)
        return ObjectOut.of(found, names, True)


@router.post("/inspection-objects/{inspection_object_id}/publication",
             response_model=ObjectOut, summary="公示检查结果")
def publish(inspection_object_id: Id, ctx: CtxDep) -> ObjectOut:
    with ctx.work():
        found = service.publish_result(ctx, inspection_object_id)
        names = service.inspector_names(ctx.session, found.inspectors)
        return ObjectOut.of(found, names, True)


@router.get("/inspection-results", response_model=list[PublishedOut],
            summary="已公示的抽查结果（按统一社会信用代码或名称查询；公开）")
def results(session: SessionDep,
            uscc: Annotated[str | None, Query(max_length=18)] = None,
            name: Annotated[str | None, Query(max_length=100)] = None) -> list[PublishedOut]:
    return [PublishedOut(task=r.task.id, task_name=r.task.name, uscc=r.object.uscc,
                         name=r.object.name, result=r.object.result or "",
                         result_name=rules.RESULTS.get(r.object.result or "", ""),
                         result_on=r.object.result_on, note=r.object.result_note,
                         published_at=r.object.published_at)
            for r in service.published_results(session, uscc, name)]
