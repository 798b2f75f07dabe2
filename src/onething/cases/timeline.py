"""The append-only timeline of an application (each event also goes to the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.audit import service as audit
from onething.cases.models import Application, Event, Task
from onething.catalog.context import Ctx


def record(ctx: Ctx, app: Application, action: str, *, before: str | None = None,
           after: str | None = None, reason: str | None = None, task: Task | None = None,
           data: Mapping[str, Any] | None = None) -> Event:
    event = Event(application_id=app.id, task_id=task.id if task else None, at=ctx.now,
                  actor_id=ctx.actor.user_id or None, actor_role=ctx.actor.role.value,
                  action=action,
                  from_status=before, to_status=after, reason=reason, data=dict(data or {}))
    ctx.session.add(event)
    audit.record(ctx.session, ctx.actor, action, "application", app.id, region=app.region_code,
                 before={"status": before} if before else None,
                 after=_after(after, reason, task, data), at=ctx.now)
    return event


def _after(status: str | None, reason: str | None, task: Task | None,
           data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    found = {"status": status, "reason": reason, "task": task.id if task else None,
             "item": task.item_code if task else None, **(data or {})}
    return {k: v for k, v in found.items() if v is not None} or None
