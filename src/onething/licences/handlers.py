"""What licences does when a case records a fact, and what it answers when cases asks.

Cases never calls licences: it publishes `TaskApproved`, `SupplementReceived` and
`ApprovalRevoked` (`cases/events.py`), and asks the wallet through its port
(`cases/ports.py`), which this module answers when the domains are wired. Licences tell
the domains above them what they issued with `LicenceIssued` (`licences/events.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import ports
from onething.cases.events import ApprovalRevoked, SupplementReceived, TaskApproved
from onething.cases.models import Application, Task
from onething.cases.timeline import record
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.kernel.bus import handles, publish
from onething.licences import service
from onething.licences.events import LicenceIssued


@handles(TaskApproved)
def issue_the_licence(ctx: Ctx, event: TaskApproved) -> None:
    """The licence the approved item results in, carrying the values it created (held while
    容缺 is not supplemented); on the timeline before the approval itself."""
    app = ctx.session.get_one(Application, event.application_id)
    task = ctx.session.get_one(Task, event.task_id)
    licence = service.issue(ctx.session, ctx.catalog, app, task, ctx.today, event.values)
    if licence is not None:
        record(ctx, app, "issue_licence", task=task,
               data={"licence": licence.number, "type": licence.licence_type,
                     "status": licence.status})
        publish(ctx, LicenceIssued(
            licence_id=licence.id, number=licence.number, licence_type=licence.licence_type,
            application_id=app.id, task_id=task.id, owner_id=licence.holder_id,
            holder_kind=licence.holder_kind, holder_title=licence.holder_title,
            holder_name=licence.holder_name, holder_number=licence.holder_number,
            region_code=task.region_code, data=licence.data or {}))


@handles(SupplementReceived)
def release_the_held(ctx: Ctx, event: SupplementReceived) -> None:
    """容缺 supplemented: the licences held for it become valid."""
    service.release_held(ctx.session, event.application_id)


@handles(ApprovalRevoked)
def revoke_what_it_issued(ctx: Ctx, event: ApprovalRevoked) -> None:
    """The approval is revoked: so are the licences the task issued, each on the timeline."""
    app = ctx.session.get_one(Application, event.application_id)
    task = ctx.session.get_one(Task, event.task_id)
    for licence in service.revoke(ctx.session, task.id, event.reason, ctx.now):
        record(ctx, app, "revoke_licence", reason=event.reason, task=task,
               data={"licence": licence.number})


class Wallet:
    """The answers of `ports.Licences`, from the wallet."""

    def held(self, session: Session, holder_id: int, today: dt.date) -> Mapping[str, str]:
        return service.held_types(session, holder_id, today)

    def stands_for_material(self, session: Session, number: str, holder_id: int,
                            today: dt.date) -> bool:
        return service.stands_for_material(session, number, holder_id, today)

    def result_values(self, session: Session, catalog: Catalog, app: Application, task: Task,
                      given: Mapping[str, Any]) -> dict[str, Any]:
        return service.result_values(session, catalog, app, task, given)


ports.answer_licences(Wallet())
