"""What commitments does on its own, periodically: the monthly 核查抽取 of the offices that
check a share of their 告知承诺 approvals."""

from __future__ import annotations

from onething.catalog.service import catalog_of
from onething.commitments.draws import draw_monthly
from onething.kernel.jobs import Run, Stage, periodic


@periodic("check_draws", Stage.watch)
def monthly_draws(run: Run) -> str:
    """On the first run of a month, each office's draw over the checks pooled before it."""
    return f"核查抽取 {draw_monthly(run.sessions, catalog_of(run), run.now)}"
