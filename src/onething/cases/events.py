"""The append-only timeline of an application."""

from __future__ import annotations

from typing import Any

from onething.cases.context import Ctx
from onething.cases.models import Application, Event, Task


def record(ctx: Ctx, app: Application, action: str, *, before: str | None = None,
           after: str | None = None, reason: str | None = None, task: Task | None = None,
           data: dict[str, Any] | None = None) -> Event:
    event = Event(application_id=app.id, task_id=task.id if task else None, at=ctx.now,
                  actor_id=ctx.actor.user_id or None, actor_role=ctx.actor.role.value,
                  action=action,
                  from_status=before, to_status=after, reason=reason, data=data or {})
    ctx.session.add(event)
    return event
