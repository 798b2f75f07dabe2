"""What ratings adds when cases asks what may be done on a case (`cases.actions.offers`):
评价 for the applicant while a service of the case is ratable, 打印评价回执 for the
receiving window while one is left to rate. And what it does when the hotline tells of the
complaint ticket a bad rating opened (`kernel.links.RatingTicketNoted`): a step of the
rectification."""

from __future__ import annotations

from collections.abc import Sequence

from onething.cases import actions
from onething.cases.models import Application, Task
from onething.cases.states import Action
from onething.catalog.context import Ctx
from onething.kernel import bus, links
from onething.ratings import codes, service


@actions.offers
def rating_steps(ctx: Ctx, app: Application, tasks: Sequence[Task]) -> list[Action]:
    rates, prints = service.rates(ctx, app), codes.prints(ctx, app)
    if not (rates or prints):
        return []  # the services of the case are not read for whoever has no such step
    found = service.services(ctx, app, tasks)
    steps = []
    if rates and any(t.state == service.RATABLE for t in found):
        steps.append(Action.rate)
    if prints and not service.all_rated(found):
        steps.append(Action.print_rating_code)
    return steps


@bus.handles(links.RatingTicketNoted)
def note_ticket(ctx: Ctx, event: links.RatingTicketNoted) -> None:
    """The 12345 complaint ticket of a bad rating was opened or ended: noted on its 整改."""
    service.note_ticket(ctx, event.rectification_id, event.note)
