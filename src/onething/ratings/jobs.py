"""What ratings does on its own, periodically: invite applicants to rate."""

from __future__ import annotations

from onething.kernel.jobs import Run, Stage, periodic
from onething.ratings.service import invite_to_rate


@periodic("rating_invitations", Stage.remind)
def invite(run: Run) -> str:
    """Invite, once, whoever has had their results for a few days and not rated."""
    return f"评价邀请 {invite_to_rate(run.sessions, run.now, run.settings.rating_invite_days)}"
