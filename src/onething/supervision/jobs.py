"""What supervision does on its own, periodically: the deadline sweep."""

from __future__ import annotations

from onething.catalog.service import catalog_of
from onething.kernel.jobs import Run, Stage, periodic
from onething.supervision.profile import load_profile
from onething.supervision.sweep import sweep


@periodic("sweep", Stage.watch)
def sweep_deadlines(run: Run) -> str:
    """Raise the cards due now (with the card profile in force); stops the run until a
    catalog is loaded."""
    catalog = catalog_of(run)
    return str(sweep(run.sessions, catalog, run.now, load_profile(run.settings.card_profile)))
