"""What supervision does when other domains record facts."""

from __future__ import annotations

from onething.kernel.bus import handles
from onething.kernel.context import Context
from onething.kernel.watch import WatchEnded
from onething.supervision.cards import close_cards


@handles(WatchEnded)
def close_the_cards(ctx: Context, event: WatchEnded) -> None:
    """The subject is done: its open cards close with the working days it was late."""
    close_cards(ctx.session, event.subject, event.subject_id, ctx.now, event.deadline,
                ctx.today, ctx.calendar)
