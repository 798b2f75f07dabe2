"""What commitments does when a case records a fact, and what it answers when cases asks.

Cases never calls commitments: an approval publishes `TaskApproved` (`cases/events.py`),
on which the follow-up check opens if the item relied on a commitment; the signed record
kept with a material is asked for through the port (`cases/ports.py`), answered here when
the domains are wired.
"""

from __future__ import annotations

from typing import Any

from onething.cases import ports
from onething.cases.events import TaskApproved
from onething.cases.models import Application, Task
from onething.catalog.context import Ctx
from onething.catalog.linked import Material
from onething.commitments import service
from onething.identity.models import User
from onething.kernel.bus import handles


@handles(TaskApproved)
def open_the_check(ctx: Ctx, event: TaskApproved) -> None:
    """核查: a check for the deciding office, if the approval relied on a commitment."""
    service.open_check(ctx, ctx.session.get_one(Application, event.application_id),
                       ctx.session.get_one(Task, event.task_id))


class Signing:
    """The answer of `ports.Commitments`: the signed commitment, with its notice."""

    def sign(self, ctx: Ctx, material: Material, items: list[str],
             applicant: User) -> dict[str, Any]:
        return service.sign(ctx, material, items, applicant)


ports.answer_commitments(Signing())
