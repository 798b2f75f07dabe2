"""What the exchange does when cases record facts, and the step it offers on a case.

- `ApplicationCompleted` of a case received from a partner → its result is queued back.
- On a submitted application at its receiving window, while partners are configured, the
  exchange offers 转外省（市）办理 (`forward`, through `cases.actions.offers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from onething.cases import access, actions
from onething.cases.events import ApplicationCompleted
from onething.cases.models import Application, Task
from onething.cases.states import Action, AppStatus, Channel
from onething.catalog.context import Ctx
from onething.exchange import service
from onething.exchange.partners import current
from onething.kernel.bus import handles


@handles(ApplicationCompleted)
def send_the_result_back(ctx: Ctx, event: ApplicationCompleted) -> None:
    """A case received elsewhere is decided: its result goes back to the partner."""
    app = ctx.session.get_one(Application, event.application_id)
    if app.channel == Channel.partner:
        service.queue_result(ctx, app.id)


@actions.offers
def forwarding(ctx: Ctx, app: Application, tasks: Sequence[Task]) -> Iterable[Action]:
    """The receiving window may forward a submitted application to a partner platform."""
    ex = current()
    if (ex is not None and ex.partners and app.status == AppStatus.submitted
            and app.channel != Channel.partner and access.receives(ctx, app)):
        return [Action.forward]
    return []
