"""What 依申请公开 does on its own, periodically: a request whose 补正 did not arrive in
the time set is withdrawn (视为放弃, art. 30)."""

from __future__ import annotations

from onething.catalog.context import build_ctx
from onething.catalog.service import catalog_of
from onething.disclosure.service import lapse_corrections
from onething.kernel.db import unit_of_work
from onething.kernel.jobs import Run, Stage, periodic
from onething.kernel.principal import SYSTEM


@periodic("disclosure_lapse", Stage.remind)
def lapse(run: Run) -> str:
    catalog = catalog_of(run)
    with unit_of_work(run.sessions) as session:
        done = lapse_corrections(build_ctx(session, catalog, SYSTEM, run.now))
    return f"依申请公开逾期未补正 {done}"
