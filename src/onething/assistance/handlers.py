"""What the 办不成事 window hears from cases: a stuck case it follows that reached its end
(completed, refused, withdrawn, terminated, delivered) is noted on the request, for the
clerk who took it up to close it with what came of it."""

from __future__ import annotations

from sqlalchemy import select

from onething.assistance.models import HelpRequest
from onething.assistance.rules import OPEN, HelpKind
from onething.assistance.service import noted
from onething.cases.events import (
    ApplicationCompleted,
    ApplicationRefused,
    ApplicationTerminated,
    ApplicationWithdrawn,
    ResultsDelivered,
)
from onething.catalog.context import Ctx
from onething.kernel.bus import handles

SYSTEM_NAME = "系统"
HEARD: dict[type[Ended], str] = {ApplicationCompleted: "办件已办结，等待送达结果",
         ApplicationRefused: "办件不予受理",
         ApplicationWithdrawn: "申请人已撤回办件",
         ApplicationTerminated: "容缺材料逾期未补齐，办件已终止办理",
         ResultsDelivered: "办理结果已送达申请人"}


Ended = (ApplicationCompleted | ApplicationRefused | ApplicationWithdrawn
         | ApplicationTerminated | ResultsDelivered)


def note_the_end(ctx: Ctx, event: Ended) -> None:
    """The followed case moved to its end: say so on every open report about it."""
    for req in ctx.session.scalars(select(HelpRequest).where(
            HelpRequest.application_id == event.application_id,
            HelpRequest.kind == HelpKind.stuck, HelpRequest.status.in_(sorted(OPEN)))):
        noted(req, ctx.now, SYSTEM_NAME, HEARD[type(event)])


for _fact in HEARD:
    handles(_fact)(note_the_end)
