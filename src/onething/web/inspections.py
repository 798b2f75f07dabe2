"""Pages of random inspections (双随机、一公开): the departments' page (tasks, a new task,
the freeze and the draw, results and their publication) and the public page (tasks, each
draw with its record to download and verify, results by entity), without sign-in. The same
services as the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from onething.http.deps import SessionDep
from onething.inspections import drawing, rules, service
from onething.inspections.models import InspectionTask
from onething.inspections.rules import TaskStatus
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other
from onething.web.render import render_public
from onething.web.words import said

router = APIRouter(include_in_schema=False)
StaffPage = Annotated[Page, Depends(page_for(service.sees_staff_pages))]
SHOWN_OBJECTS = 500


def percent(ratio: Any) -> str:
    """A ratio as people read it: 0.05 → 5%."""
    return f"{float(ratio) * 100:g}%"


def _words() -> dict[str, Any]:
    return {"RESULTS": rules.RESULTS, "percent": percent, "STATUS_NAMES": {s.value: n for s, n
                                                       in rules.STATUS_NAMES.items()},
            "RISK_CLASSES": rules.RISK_CLASSES}


# --- the departments' page ---------------------------------------------------------------


def _staff(page: Page, error: str | None = None, code: int = 200,
           sent: dict[str, Any] | None = None) -> HTMLResponse:
    ctx = page.ctx
    return page.render("inspections.html", code, tasks=service.tasks(ctx.session),
                       items=service.items(ctx.session), catalog=ctx.catalog,
                       may_create=page.me.role.value in ("approver", "admin"),
                       error=error, sent=sent or {}, today=ctx.today, **_words())


@router.get("/inspections", response_class=HTMLResponse)
def staff(page: StaffPage) -> Response:
    return _staff(page)


def _date(page: FormPage, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(page.text(name) or "")
    except ValueError:
        raise Invalid(f"请填写{label}", problems=[FieldProblem(name, f"请填写{label}")]
                      ) from None


def _number(page: FormPage, name: str) -> int:
    text = page.text(name) or "0"
    return int(text) if text.isdigit() and len(text) < 4 else 0


@router.post("/inspections/tasks")
def create(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            found = service.create_task(ctx, service.TaskInput(
                name=page.text("name") or "", region=page.text("region") or "",
                departments=[str(d) for d in page.form.getlist("departments")][:10],
                items=[int(str(i)) for i in page.form.getlist("items") if str(i).isdigit()][:50],
                ratio=(page.text("ratio") or "")[:20],
                inspectors_per_object=_number(page, "inspectors_per_object"),
                starts_on=_date(page, "starts_on", "检查开始日期"),
                ends_on=_date(page, "ends_on", "检查结束日期"),
                object_filter=(page.text("object_filter") or "")[:service.FILTER_MAX + 1]))
            task_id = found.id
    except DomainError as exc:
        if not service.sees_staff_pages(page.me):
            raise
        return _staff(page, said(exc), exc.status, page.sent("departments", "items"))
    return see_other(f"/inspections/{task_id}")


def _task_page(page: Page, task_id: int, error: str | None = None,
               code: int = 200) -> HTMLResponse:
    ctx = page.ctx
    found = service.task(ctx.session, task_id)
    objects = service.objects(ctx.session, task_id, SHOWN_OBJECTS)
    return page.render(
        "inspection_task.html", code, task=found, objects=objects,
        names=service.inspector_names(ctx.session, [c for o in objects for c in o.inspectors]
                                     + [c for o in objects for c, _ in o.left_out]),
        items=service.item_names(ctx.session, found.items), catalog=ctx.catalog,
        may_manage=service.may_record(ctx, found), error=error, today=ctx.today,
        more=(found.picked or 0) > len(objects), **_words())


@router.get("/inspections/{inspection_task_id:id}", response_class=HTMLResponse)
def task_page(inspection_task_id: int, page: StaffPage) -> Response:
    return _task_page(page, inspection_task_id)


def _step(page: FormPage, task_id: int, step: Any, anchor: str = "") -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            step(ctx)
    except DomainError as exc:
        if not service.sees_staff_pages(page.me) or exc.status == 404:
            raise
        return _task_page(page, task_id, said(exc), exc.status)
    return see_other(f"/inspections/{task_id}{anchor}")


@router.post("/inspections/{inspection_task_id:id}/freeze")
def freeze(inspection_task_id: int, page: FormPageDep) -> Response:
    return _step(page, inspection_task_id,
                 lambda ctx: drawing.freeze(ctx, inspection_task_id))


@router.post("/inspections/{inspection_task_id:id}/draw")
def draw(inspection_task_id: int, page: FormPageDep) -> Response:
    return _step(page, inspection_task_id, lambda ctx: drawing.draw(ctx, inspection_task_id))


def _task_of(page: FormPage, object_id: int) -> int:
    return service.object_of(page.ctx.session, object_id).task_id


@router.post("/inspections/objects/{inspection_object_id:id}/result")
def record_result(inspection_object_id: int, page: FormPageDep) -> Response:
    task_id = _task_of(page, inspection_object_id)
    on = page.text("on")
    day = dt.date.fromisoformat(on) if on and _iso(on) else None
    return _step(page, task_id, lambda ctx: service.record_result(
        ctx, inspection_object_id, page.text("result") or "", page.text("note") or "", day),
        f"#object-{inspection_object_id}")


def _iso(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@router.post("/inspections/objects/{inspection_object_id:id}/publish")
def publish(inspection_object_id: int, page: FormPageDep) -> Response:
    task_id = _task_of(page, inspection_object_id)
    return _step(page, task_id, lambda ctx: service.publish_result(ctx, inspection_object_id),
                 f"#object-{inspection_object_id}")


# --- the public page ---------------------------------------------------------------------


@router.get("/inspection-publicity", response_class=HTMLResponse)
def publicity(request: Request, session: SessionDep,
              q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """Tasks and their draws, and the published results of an entity (by USCC or name)."""
    q = q.strip()
    found = []
    if q:
        is_code = len(q) == 18 and q.isalnum()
        found = service.published_results(session, uscc=q if is_code else None,
                                          name=None if is_code else q)
    return render_public(request, "inspection_publicity.html", tasks=[
        t for t in service.tasks(session) if t.status != TaskStatus.draft.value],
        q=q, found=found, **_words())


@router.get("/inspection-publicity/{inspection_task_id:id}", response_class=HTMLResponse)
def publicity_task(inspection_task_id: int, request: Request,
                   session: SessionDep) -> HTMLResponse:
    found: InspectionTask = service.task(session, inspection_task_id)
    objects = service.objects(session, found.id, SHOWN_OBJECTS)
    return render_public(
        request, "inspection_record.html", task=found, objects=objects,
        names=service.inspector_names(session, [c for o in objects for c in o.inspectors]),
        items=service.item_names(session, found.items), seed=service.shown_seed(found),
        inline=(found.pool_size or 0) <= drawing.INLINE_POOL,
        more=(found.picked or 0) > len(objects), **_words())
