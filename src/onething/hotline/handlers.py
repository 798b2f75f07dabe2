"""What the hotline does when other domains record facts, and what it answers them.

- A bad 好差评 rating (`kernel.links.BadRatingRecorded`, from ratings) opens a complaint
  ticket linked to the rating and its rectification (`service.open_for_rating`).
- It answers `kernel.links.Categories` (the 诉求分类, for the knowledge base's articles)
  and `cases.ports.Tickets` (a case's tickets, for the case's answer and page).
"""

from __future__ import annotations

from onething.cases import ports
from onething.catalog.context import Ctx
from onething.hotline import service
from onething.kernel import bus, links


@bus.handles(links.BadRatingRecorded)
def open_complaint(ctx: Ctx, event: links.BadRatingRecorded) -> None:
    service.open_for_rating(ctx, event)


class Categories:
    """The answer of `links.Categories`, from the hotline's data in force."""

    def name(self, code: str) -> str | None:
        return service.category_name(code)


class Tickets:
    """The answer of `ports.Tickets`: the tickets about a case."""

    def of_application(self, ctx: Ctx, number: str) -> list[ports.TicketBrief]:
        return service.of_application(ctx, number)


links.answer_categories(Categories())
ports.answer_tickets(Tickets())
