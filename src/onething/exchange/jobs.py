"""What the exchange does on its own, periodically: send the packages queued."""

from __future__ import annotations

from onething.catalog.service import catalog_of
from onething.exchange import service
from onething.exchange.partners import configure
from onething.kernel.jobs import Run, Stage, periodic


@periodic("exchange", Stage.send)
def send_packages(run: Run) -> str:
    """Send every package due to its partner (retrying later what could not go)."""
    ex = configure(run.settings)
    if ex is None:
        return "跨省通办未开通"
    catalog = catalog_of(run)
    return f"跨省通办交换包已送达 {service.send_due(run.sessions, ex, catalog, run.now)}"
