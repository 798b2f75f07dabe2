"""What supervision does when other domains record facts."""

from __future__ import annotations

from sqlalchemy import delete

from onething.kernel.bus import handles
from onething.kernel.context import Context
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.supervision.cards import close_cards
from onething.supervision.models import WatchedDeadline
from onething.supervision.sweep import ANNOUNCED


@handles(WatchStarted)
def watch_the_deadline(ctx: Context, event: WatchStarted) -> None:
    """A deadline to watch: the sweep reads it from the next run on (due at once)."""
    ctx.session.add(WatchedDeadline(
        subject=event.subject, subject_id=event.subject_id, opened_on=event.opened_on,
        due_on=event.due_on, title=event.title, region_code=event.region,
        department_code=event.department, window=event.window,
        application_id=event.application_id, task_id=event.task_id,
        responsible_id=event.responsible_id))


@handles(WatchEnded)
def close_the_cards(ctx: Context, event: WatchEnded) -> None:
    """The subject is done: its deadline is no longer watched, and its open cards close with
    the working days it was late.

    The watched row goes first: a sweep that has claimed it (raising a card right now)
    holds its lock, so the delete waits for that sweep to commit and the cards closed next
    include the one it raised."""
    if event.subject in ANNOUNCED:  # a case's own deadlines are read from its rows
        ctx.session.execute(delete(WatchedDeadline).where(
            WatchedDeadline.subject == event.subject,
            WatchedDeadline.subject_id == event.subject_id))
    close_cards(ctx.session, event.subject, event.subject_id, ctx.now, event.deadline,
                ctx.today, ctx.calendar)
