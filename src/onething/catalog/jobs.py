"""What the catalog does on its own: the reviewed versions whose publication day has come
are published (the first job of a run, so that the sweep reads the catalog in force)."""

from __future__ import annotations

from onething.catalog.publishing import publish_due
from onething.kernel.clock import china_date
from onething.kernel.db import unit_of_work
from onething.kernel.jobs import Run, Stage, periodic


@periodic("catalog_publication", Stage.watch)
def publish_scheduled(run: Run) -> str:
    with unit_of_work(run.sessions) as session:
        published = publish_due(session, china_date(run.now), run.now)
    return f"定时发布目录版本 {published}"
