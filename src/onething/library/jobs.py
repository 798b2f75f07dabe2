"""What the document library does on its own, periodically: once a day, the status kept on
each document whose dated change has come into force moved to it (the search's status
filter reads it; a document's page reads its history)."""

from __future__ import annotations

from onething.kernel.clock import china_date
from onething.kernel.db import unit_of_work
from onething.kernel.jobs import Run, Stage, periodic
from onething.library.service import keep_statuses

DONE_ON = "library_statuses_kept_on"


@periodic("library_statuses", Stage.watch)
def keep_today(run: Run) -> str:
    """Once a day per scheduler: the documents whose next status change is in force today
    keep their new status."""
    today = china_date(run.now)
    if run.kept.get(DONE_ON) == today:
        return "文件库效力：今日已更新"
    with unit_of_work(run.sessions) as session:
        moved = keep_statuses(session, today)
    run.kept[DONE_ON] = today
    return f"文件库效力：{moved} 件文件的效力已更新"
