"""What policy payouts do on their own, periodically: match every policy in force over the
shared data once a day (a new month's or year's period begins; a death record or a new
社保 file changes who qualifies), then stop the holders of the period before who no longer
qualify."""

from __future__ import annotations

from onething.catalog.service import catalog_of
from onething.kernel.clock import CHINA
from onething.kernel.db import unit_of_work
from onething.kernel.jobs import Run, Stage, periodic
from onething.policies.matching import in_force, match
from onething.policies.recheck import stop_unqualified

DONE_ON = "policies_matched_on"


@periodic("policy_matching", Stage.watch)
def match_policies(run: Run) -> str:
    """Once a day per scheduler: every policy in force matched for today's period; the
    holders told are sent in the same run."""
    today = run.now.astimezone(CHINA).date()
    if run.kept.get(DONE_ON) == today:
        return "政策比对：今日已完成"
    catalog = catalog_of(run)
    with unit_of_work(run.sessions) as session:
        reports = [match(session, catalog, p.code, today, run.now)
                   for p in in_force(catalog, today)]
        stopped = sum(stop_unqualified(session, catalog, r.policy, today, run.now)
                      for r in reports)
    run.kept[DONE_ON] = today
    return (f"政策比对：{len(reports)} 项政策，新符合 {sum(r.matched for r in reports)}，"
            f"停发 {stopped}")
