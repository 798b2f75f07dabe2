"""What the outbox does on its own, periodically: send what the others queued."""

from __future__ import annotations

from onething.kernel.jobs import Run, Stage, periodic
from onething.outbox.service import deliver_pending, sender_for


@periodic("outbox", Stage.send)
def deliver(run: Run) -> str:
    """Send every notification waiting (last in a run: what this run queued goes too)."""
    return f"已发送通知 {deliver_pending(run.sessions, sender_for(run.settings), run.now)}"
