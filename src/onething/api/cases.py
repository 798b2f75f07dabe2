"""Applications and tasks through HTTP (thin: the rules live in service.py and tasks.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from onething.cases import idempotency, tasks
from onething.cases import service as cases
from onething.cases.models import Application
from onething.cases.schemas import (
    AcceptanceIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationSummary,
    DecisionIn,
    DeliveryIn,
    SupplementIn,
    TaskOut,
    WithdrawalIn,
)
from onething.cases.service import WindowDecision
from onething.cases.states import OPEN_TASK, AppStatus, TaskStatus
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.db import MAX_INT

router = APIRouter(prefix="/api/v1", tags=["applications"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]
Prefer = Annotated[str | None, Header(
    max_length=200, description="return=minimal：只返回办件摘要（编号、状态、版本等，"
    "与办件列表相同），完整办件见 GET /api/v1/applications/{id}（RFC 7240）")]
WRITE_ANSWERS: dict[int | str, dict[str, object]] = {
    200: {"description": "完整办件；请求头 Prefer: return=minimal 时为办件摘要"
          "（ApplicationSummary），并带 Preference-Applied 与 Location"}}


def wants_minimal(prefer: str | None) -> bool:
    """RFC 7240: `Prefer: return=minimal`, alone or among other preferences."""
    return bool(prefer) and any(p.strip().lower().replace(" ", "") == "return=minimal"
                                for p in str(prefer).split(","))


def _out(ctx: CtxDep, application_id: int) -> ApplicationOut:
    """After the change was committed: the whole case, read outside the write transaction."""
    with ctx.reading() as reader:
        return ApplicationOut.of_view(reader, cases.view(reader, application_id))


def _answer(ctx: CtxDep, app: Application, prefer: str | None,
            status_code: int = 200) -> ApplicationOut | Response:
    """The whole case, or with `Prefer: return=minimal` its summary as the change left it
    (no read more): what a client that acts on many cases needs to go on."""
    if not wants_minimal(prefer):
        return _out(ctx, app.id)
    path = f"/api/v1/applications/{app.id}"
    return Response(ApplicationSummary.of(ctx, app).model_dump_json(), status_code,
                    media_type="application/json",
                    headers={"Preference-Applied": "return=minimal", "Location": path,
                             "Content-Location": path})


@router.post("/applications", response_model=ApplicationOut, status_code=201,
             summary="提交申请（一表申请）", responses={
                 201: {"description": "完整办件；Prefer: return=minimal 时为办件摘要"}})
def submit(body: ApplicationIn, ctx: CtxDep, idempotency_key: IdempotencyKey = None,
           prefer: Prefer = None) -> ApplicationOut | Response:
    sub = body.submission(idempotency_key)
    try:
        with ctx.work():
            app = cases.submit(ctx, sub)
    except IntegrityError:  # the same key, submitted at the same moment by a retry
        with ctx.work():  # rolled back: the retry answers what the first one made
            earlier = idempotency.replayed(ctx, sub, idempotency.fingerprint(ctx.session, sub))
        if earlier is None:
            raise
        app = earlier
    return _answer(ctx, app, prefer, 201)


@router.get("/applications", response_model=list[ApplicationSummary], summary="办件列表")
def list_applications(ctx: CtxDep, status: AppStatus | None = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 20,
                      before_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
                      ) -> list[ApplicationSummary]:
    found = cases.list_applications(ctx, status.value if status else None, limit, before_id)
    return [ApplicationSummary.of(ctx, a) for a in found]


@router.get("/applications/{application_id}", response_model=ApplicationOut,
            summary="办件详情：状态、子项、时限和时间线")
def get_application(application_id: Id, ctx: CtxDep) -> ApplicationOut:
    return ApplicationOut.of_view(ctx, cases.view(ctx, application_id))


@router.post("/applications/{application_id}/personal-data", response_model=ApplicationOut,
             summary="查看完整个人信息（仅受理窗口和承办部门；每次查看记入审计）",
             responses={403: {"description": "无需查看完整个人信息的角色"}})
def personal_data(application_id: int, ctx: CtxDep) -> ApplicationOut:
    with ctx.work():  # the view is recorded (audit) with the answer that shows it
        found = cases.reveal_personal_data(ctx, application_id)
        out = ApplicationOut.of_view(ctx, found, full=True)
    return out


@router.post("/applications/{application_id}/acceptance", response_model=ApplicationOut,
             responses=WRITE_ANSWERS,
             summary="窗口受理：受理 / 容缺受理 / 退回（一次性告知）/ 不予受理")
def acceptance(application_id: Id, body: AcceptanceIn, ctx: CtxDep,
        prefer: Prefer = None) -> ApplicationOut | Response:
    with ctx.work():
        app = cases.decide_at_window(ctx, application_id, WindowDecision(
            decision=body.decision, reason=body.reason,
            notice=[n.entry() for n in body.notice], supplement_days=body.supplement_days))
    return _answer(ctx, app, prefer)


@router.post("/applications/{application_id}/resubmission", response_model=ApplicationOut,
             responses=WRITE_ANSWERS,
             summary="补正后重新提交（办件编号不变）")
def resubmission(application_id: Id, body: ApplicationIn, ctx: CtxDep,
        prefer: Prefer = None) -> ApplicationOut | Response:
    with ctx.work():
        app = cases.resubmit(ctx, application_id, body.submission(None))
    return _answer(ctx, app, prefer)


@router.post("/applications/{application_id}/withdrawal", response_model=ApplicationOut,
             responses=WRITE_ANSWERS,
             summary="撤回申请")
def withdrawal(application_id: Id, body: WithdrawalIn, ctx: CtxDep,
        prefer: Prefer = None) -> ApplicationOut | Response:
    with ctx.work():
        app = cases.withdraw(ctx, application_id, body.reason)
    return _answer(ctx, app, prefer)


@router.post("/applications/{application_id}/supplement", response_model=ApplicationOut,
             responses=WRITE_ANSWERS,
             summary="补齐容缺材料")
def supplement(application_id: Id, body: SupplementIn, ctx: CtxDep,
        prefer: Prefer = None) -> ApplicationOut | Response:
    with ctx.work():
        app = cases.supplement(ctx, application_id, {k: v.model_dump(exclude_defaults=True)
                                               for k, v in body.materials.items()})
    return _answer(ctx, app, prefer)


@router.post("/applications/{application_id}/delivery", response_model=ApplicationOut,
             responses=WRITE_ANSWERS,
             summary="统一出件：窗口领取 / 邮寄 / 电子送达")
def delivery(application_id: Id, body: DeliveryIn, ctx: CtxDep,
        prefer: Prefer = None) -> ApplicationOut | Response:
    with ctx.work():
        app = cases.deliver(ctx, application_id, body.method, body.tracking_number, body.note)
    return _answer(ctx, app, prefer)


@router.get("/tasks", response_model=list[TaskOut], tags=["tasks"],
            summary="部门待办（逾期在前，按时限排序）")
def inbox(ctx: CtxDep, status: Annotated[list[TaskStatus] | None, Query(max_length=6)] = None,
          limit: Annotated[int, Query(ge=1, le=200)] = 50,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[TaskOut]:
    wanted = tuple(status) if status else OPEN_TASK
    return [TaskOut.of(ctx, t) for t in tasks.inbox(ctx, wanted, limit, offset)]


@router.post("/tasks/{task_id}/decision", response_model=TaskOut, tags=["tasks"],
             summary="部门决定：准予（可附办结产生的信息 data）/ 不予批准 / 特别程序 / 恢复")
def decision(task_id: Id, body: DecisionIn, ctx: CtxDep) -> TaskOut:
    with ctx.work():
        task = tasks.decide(ctx, task_id, tasks.Decision(
            action=body.action, version=body.version, reason=body.reason,
            procedure=body.procedure, procedure_days=body.procedure_days, data=body.data))
    return TaskOut.of(ctx, task)
